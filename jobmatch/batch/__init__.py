"""Batch jobs on Ray, beyond one process: the only package that uses Ray.

- :func:`embed_offers`: an offer set embedded on Ray Data, into the cache and chunk matrix
  that ``rank`` reads (:mod:`jobmatch.batch.embed`);
- :func:`rank_cvs`: many CVs against one offer set, CVs sharded across workers that hold the
  offer set, results streamed to Parquet shards and the database, resumable
  (:mod:`jobmatch.batch.rank`);
- :func:`rank_all_applications`: every applicant of every posting of a recruiter's
  organisation (:mod:`jobmatch.batch.applicants`);
- :mod:`jobmatch.batch.pgvector_store`: offer vectors and nearest-neighbour search in
  PostgreSQL, an option of the large-set path.

Jobs run on a new local Ray instance by default, or on the cluster named by
``JOBMATCH_RAY_ADDRESS`` / ``--ray-address`` (:mod:`jobmatch.batch.cluster`); each is recorded
as a run (``batch-embed``, ``batch-rank``, ``batch-applicants``) with its stage timings.
"""

from jobmatch.batch.applicants import rank_all_applications
from jobmatch.batch.cluster import ray_session
from jobmatch.batch.embed import embed_offers
from jobmatch.batch.rank import rank_cvs, read_batch

__all__ = ["embed_offers", "rank_all_applications", "rank_cvs", "ray_session", "read_batch"]
