"""The calibrated final score: bounded, monotonic, one scale, and bands that match it."""

from __future__ import annotations

import numpy as np

from jobmatch.matching.calibration import (
    BANDS,
    BUNDLED_RERANKER,
    FIRST_STAGE_ONLY,
    WITH_CROSS,
    Calibration,
    band_of,
    final_score,
    fit_calibration,
)

FIRST_STAGE = np.linspace(0.0, 100.0, 201)


def test_final_score_is_bounded_and_monotonic_in_each_signal():
    without = final_score(FIRST_STAGE, np.full(len(FIRST_STAGE), np.nan))
    assert ((without > 0) & (without < 100)).all()
    assert (np.diff(without) > 0).all()
    logits = np.linspace(-12, 12, 201)
    with_cross = final_score(np.full(len(logits), 50.0), logits)
    assert ((with_cross > 0) & (with_cross < 100)).all()
    assert (np.diff(with_cross) >= 0).all()  # a reranker is never used inverted
    assert (np.diff(final_score(FIRST_STAGE, np.zeros(len(FIRST_STAGE)))) > 0).all()


def test_fitted_weights_keep_one_scale_and_spread_the_scores():
    assert FIRST_STAGE_ONLY.first_stage_weight > 0 and FIRST_STAGE_ONLY.cross_weight == 0
    for calibration in WITH_CROSS.values():
        assert calibration.first_stage_weight > 0 and calibration.cross_weight >= 0
        if calibration.cross_weight == 0:  # no cross evidence: the very same scale
            assert calibration == FIRST_STAGE_ONLY
    weak, strong = final_score(np.array([1.0, 99.0]), np.full(2, np.nan))
    assert weak < 10 and strong > 70
    assert band_of(np.array([weak]))[0] == "weak" and band_of(np.array([strong]))[0] == "strong"


def test_each_offer_uses_the_model_of_the_signals_it_has():
    first_stage = np.array([60.0, 60.0])
    scores = final_score(first_stage, np.array([np.nan, 3.0]))
    assert scores[0] == 100 * FIRST_STAGE_ONLY.probability(first_stage[:1])[0]
    expected = 100 * WITH_CROSS[BUNDLED_RERANKER].probability(first_stage[1:], np.array([3.0]))
    assert scores[1] == expected[0]


def test_bands_follow_their_thresholds():
    thresholds = [lowest for _, lowest in BANDS]
    assert thresholds == sorted(thresholds, reverse=True) and thresholds[-1] == 0
    for (name, lowest), (_, upper) in zip(BANDS, [("", 100.01), *BANDS[:-1]], strict=True):
        inside = np.array([lowest, (lowest + upper) / 2, np.nextafter(upper, 0)])
        assert set(band_of(inside)) == {name}
    assert list(band_of(np.array([99.0, 0.0]))) == [BANDS[0][0], BANDS[-1][0]]


def test_fit_recovers_the_weights_that_generated_the_labels():
    rng = np.random.default_rng(0)
    truth = Calibration(intercept=-1.0, first_stage_weight=1.5, cross_weight=0.8)
    first_stage = rng.uniform(1, 99, 20_000)
    logits = rng.normal(0, 3, 20_000)
    labels = rng.random(20_000) < truth.probability(first_stage, logits)
    fitted = fit_calibration(first_stage, labels, np.ones(20_000), cross_logit=logits)
    assert abs(fitted.intercept - truth.intercept) < 0.15
    assert abs(fitted.first_stage_weight - truth.first_stage_weight) < 0.15
    assert abs(fitted.cross_weight - truth.cross_weight) < 0.1
    only = fit_calibration(first_stage, labels, np.ones(20_000))
    assert only.cross_weight == 0 and only.first_stage_weight > 0
