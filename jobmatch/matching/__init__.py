"""Ranking: lexical and dense signals, the first stage, reranking, calibration, training and
evaluation.
"""
