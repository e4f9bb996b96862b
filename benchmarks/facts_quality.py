"""Quality of facts extraction and anonymisation against real, human-marked data.

English CVs (``dataturks_resume_entities``: 220 resumes, human-marked spans; end offsets
inclusive): skill precision/recall (gold = the items of the marked Skills spans, split on
commas, bullets and lines, normalised), the share of marked names and e-mails that
anonymisation removes, job titles against Designation, education level against Degree,
years against Years of Experience, places against Location.

French offers (``france_travail_offers_vimchun``: 1,553 France Travail records): contract,
experience, education level, languages and salary read from the title and description,
against the record's structured fields.

Usage: ``python -m benchmarks.facts_quality [--limit N] [--classifier-limit M]`` (at most N CVs
/ offers, default all; skills also in classifier mode on the first M CVs, default 40: it takes
seconds per CV).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from jobmatch.config import Settings
from jobmatch.facts import anonymise, extract_facts, fields, normalise_skill
from jobmatch.text import fold_accents

_LEVELS = ("secondary", "bac+2", "bachelor", "master", "phd")
_FT_CONTRACTS = {"CDI": "CDI", "CDD": "CDD", "MIS": "interim", "LIB": "freelance"}


def load_dataturks(root: Path, limit: int) -> list[tuple[str, dict[str, list[str]]]]:
    """(text, {label: [span texts]}) per resume."""
    rows = []
    path = root / "dataturks_resume_entities" / "Entity_Recognition_in_Resumes.jsonl"
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    for line in lines[: limit or None]:
        record = json.loads(line)
        spans: dict[str, list[str]] = {}
        for item in record.get("annotation") or []:
            for point in item["points"]:
                text = record["content"][point["start"] : point["end"] + 1].strip()
                for label in item["label"]:
                    spans.setdefault(label, []).append(text)
        rows.append((record["content"], spans))
    return rows


_HEADINGS = re.compile(
    r"^(?:additional information|technical skills|skills|languages|tools|frameworks"
    r"|core competencies|programming languages?|operating systems?|databases?)\b\s*"
)


def gold_skills(spans: list[str]) -> set[str]:
    """Items of the marked Skills spans: notes in brackets and list headings dropped, split
    on commas, bullets, lines and colons, normalised, at most four words."""
    items = set()
    for span in spans:
        for part in re.split(r"[,\n•;|:]|\band\b", re.sub(r"\([^)]*\)", "", span)):
            name = _HEADINGS.sub("", normalise_skill(part))
            if len(name) > 1 and len(name.split()) <= 4:
                items.add(name)
    return items


def prf(hits: int, predicted: int, gold: int) -> str:
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}  (n gold {gold}, predicted {predicted})"


def rate(label: str, good: int, total: int) -> None:
    share = good / total if total else 0.0
    print(f"  {label:<44} {share:6.1%}  ({good}/{total})")


def survives(needle: str, text: str) -> bool:
    return needle.lower() in text.lower()


def cv_report(rows: list[tuple[str, dict[str, list[str]]]], classifier_limit: int) -> None:
    print(f"English CVs (dataturks_resume_entities), {len(rows)} resumes")
    subset = f"first {min(classifier_limit, len(rows))}"
    counts = {
        f"classifier, {subset}": Counter(),
        f"gazetteer, {subset}": Counter(),
        f"gazetteer, all {len(rows)}": Counter(),
    }
    names = Counter()
    emails = Counter()
    titles = Counter()
    degrees = Counter()
    years = Counter()
    places = Counter()
    for index, (text, spans) in enumerate(rows):
        facts = extract_facts(text, "en")
        runs = [(f"gazetteer, all {len(rows)}", facts)]
        if index < classifier_limit:
            classified = extract_facts(text, "en", skill_mode="classifier")
            runs += [(f"gazetteer, {subset}", facts), (f"classifier, {subset}", classified)]
        gold = gold_skills(spans.get("Skills", []))
        for key, found in runs:
            if gold:
                predicted = set(found.skills)
                counts[key]["hits"] += len(predicted & gold)
                counts[key]["predicted"] += len(predicted)
                counts[key]["gold"] += len(gold)
                in_spans = fold_accents(" ".join(spans["Skills"]))
                counts[key]["in_span"] += sum(skill in in_spans for skill in predicted)
        anonymised = anonymise(text, "en").text
        for name in spans.get("Name", []):
            names["total"] += 1
            names["full"] += not survives(name, anonymised)
            names["tokens"] += not any(
                survives(token, anonymised) for token in name.split() if len(token) > 2
            )
        for email in spans.get("Email Address", []):
            emails["total"] += 1
            emails["gone"] += not survives(email, anonymised)
        gold_titles = {d.lower() for d in spans.get("Designation", [])}
        if gold_titles:
            titles["gold"] += len(gold_titles)
            titles["predicted"] += len(facts.job_titles)
            titles["hits"] += len(gold_titles & set(facts.job_titles))
        gold_levels = [fields.education_level(d) for d in spans.get("Degree", [])]
        gold_levels = [level for level in gold_levels if level]
        if gold_levels:
            degrees["total"] += 1
            degrees["good"] += facts.education_level == max(gold_levels, key=_LEVELS.index)
        for span in spans.get("Years of Experience", []):
            if match := re.search(r"\d+(?:\.\d+)?", span):
                years["total"] += 1
                found = facts.years_experience
                years["good"] += found is not None and abs(found - float(match.group())) <= 1
        gold_places = [fold_accents(p) for p in spans.get("Location", [])]
        if gold_places:
            places["total"] += 1
            place = fold_accents(facts.place or "")
            places["good"] += bool(place) and any(place in g or g in place for g in gold_places)
    for key, count in counts.items():
        print(f"  skills ({key}) strict  {prf(count['hits'], count['predicted'], count['gold'])}")
        rate(f"skills ({key}) inside a Skills span", count["in_span"], count["predicted"])
    rate("names removed by anonymise (full string)", names["full"], names["total"])
    rate("names removed (every token > 2 letters)", names["tokens"], names["total"])
    rate("e-mails / profile URLs removed", emails["gone"], emails["total"])
    titles_prf = prf(titles["hits"], titles["predicted"], titles["gold"])
    print(f"  job titles vs Designation (exact)  {titles_prf}")
    rate("education level = level of marked Degree", degrees["good"], degrees["total"])
    rate("years of experience within ±1", years["good"], years["total"])
    rate("place found and matching a marked Location", places["good"], places["total"])


def years_from_label(label: str) -> float | None:
    if match := re.search(r"(\d+)\s*An", label):
        return float(match.group(1))
    if match := re.search(r"(\d+)\s*Mois", label):
        return int(match.group(1)) / 12
    return 0.0 if "butant" in label else None


def offers_report(path: Path, limit: int) -> None:
    records = [
        json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()
    ]
    records = records[: limit or None]
    print(f"\nFrench offers (france_travail_offers_vimchun), {len(records)} offers")
    stats = {key: Counter() for key in ("contract", "years", "education", "languages", "salary")}
    for record in records:
        text = f"{record.get('intitule', '')}\n{record.get('description', '')}"
        facts = extract_facts(text, "fr", skill_mode="gazetteer")
        gold_contract = _FT_CONTRACTS.get(record.get("typeContrat", ""))
        if record.get("alternance"):
            gold_contract = "apprenticeship"
        if gold_contract:
            _score(stats["contract"], facts.contract, gold_contract)
        gold_years = years_from_label(record.get("experienceLibelle", ""))
        if gold_years is not None:
            found = facts.years_experience
            stats["years"]["total"] += 1
            stats["years"]["found"] += found is not None
            stats["years"]["good"] += found is not None and abs(found - gold_years) <= 1
        gold_levels = [
            fields.education_level(f.get("niveauLibelle", "")) for f in record.get("formations", [])
        ]
        if gold_levels := [level for level in gold_levels if level]:
            _score(stats["education"], facts.education_level, min(gold_levels, key=_LEVELS.index))
        gold_languages = {
            fields.spoken_languages(f"{x['libelle']} courant") for x in record.get("langues", [])
        }
        for (language,) in (g for g in gold_languages if g):
            stats["languages"]["total"] += 1
            stats["languages"]["good"] += language in facts.languages
        if label := (record.get("salaire") or {}).get("libelle"):
            _score(stats["salary"], facts.salary, fields.salary(label))
    for key in ("contract", "years", "education", "salary"):
        count = stats[key]
        rate(f"{key}: found in text (coverage)", count["found"], count["total"])
        rate(f"{key}: right when found", count["good"], count["found"])
    rate(
        "languages required: named in the text",
        stats["languages"]["good"],
        stats["languages"]["total"],
    )


def _score(count: Counter, found: object, gold: object) -> None:
    count["total"] += 1
    if found is not None:
        count["found"] += 1
        count["good"] += found == gold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="CVs / offers, 0 = all")
    parser.add_argument(
        "--classifier-limit", type=int, default=40, help="CVs also run in classifier mode"
    )
    args = parser.parse_args()
    root = Settings().shared_data_dir
    if not root.is_dir():
        print(f"Skipped: outside data folder not found: {root} (set JOBMATCH_SHARED_DATA).")
        return 0
    cv_report(load_dataturks(root, args.limit), args.classifier_limit)
    offers_report(
        root / "france_travail_offers_vimchun" / "france_travail_offers.jsonl", args.limit
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
