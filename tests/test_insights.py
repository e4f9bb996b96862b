"""What the matching pages say about a run: whether the cross-encoder feeds the final score,
the order it alone would give, band labels, whole-number count axes."""

from __future__ import annotations

import pandas as pd
import pytest

from jobmatch.i18n import language
from jobmatch.insights import (
    count_tick_step,
    cross_encoder_feeds_final,
    cross_encoder_order,
    score_histogram,
    timing_table,
    with_band_labels,
)


def run(final: list[float]) -> pd.DataFrame:
    """Two CVs' matches: the first three offers of each were read by the cross-encoder."""
    return pd.DataFrame(
        {
            "cv_id": ["a"] * 4 + ["b"] * 4,
            "rank": [1, 2, 3, 4] * 2,
            "final_score": final,
            "first_stage_score": [80.0, 60.0, 40.0, 20.0, 70.0, 50.0, 30.0, 10.0],
            "cross_score": [10.0, 90.0, 50.0, None, 30.0, 20.0, 10.0, None],
            "band": ["strong", "partial", "partial", "weak"] * 2,
        }
    )


def test_the_bundled_cross_encoder_does_not_feed_the_final_score():
    unchanged = run([80.0, 60.0, 40.0, 20.0, 70.0, 50.0, 30.0, 10.0])
    assert not cross_encoder_feeds_final(unchanged)
    assert cross_encoder_feeds_final(run([85.0, 60.0, 40.0, 20.0, 70.0, 50.0, 30.0, 10.0]))
    assert not cross_encoder_feeds_final(unchanged.assign(cross_score=None))


def test_the_cross_encoders_own_order_sits_beside_the_final_order_per_cv():
    order = cross_encoder_order(run([80.0, 60.0, 40.0, 20.0, 70.0, 50.0, 30.0, 10.0]))
    assert order["cv_id"].tolist() == ["a", "a", "a", "b", "b", "b"]  # the offers it read
    assert order["final_place"].tolist() == [1, 2, 3, 1, 2, 3]
    assert order["cross_place"].tolist() == [3, 1, 2, 1, 2, 3]
    assert order["place_gap"].tolist() == [-2, 1, 1, 0, 0, 0]


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (3, 1), (8, 1), (9, 2), (16, 2), (17, 5), (40, 5), (41, 10)]
)
def test_count_axes_step_by_whole_numbers(largest, step):
    assert count_tick_step(largest) == step


def test_bands_stages_and_histograms_read_in_the_interface_language():
    frame = run([80.0, 60.0, 40.0, 20.0, 70.0, 50.0, 30.0, 10.0])
    with language("fr"):
        assert with_band_labels(frame)["band"].iloc[:2].tolist() == [
            "Forte adéquation",
            "Adéquation partielle",
        ]
        assert timing_table({"first stage": 1.0})["label"].tolist() == ["Premier étage"]
        figure = score_histogram(
            frame, "final_score", "band", title="t", x_title="x", legend_title="l"
        )
    assert figure.layout.yaxis.title.text == "Offres"
    assert figure.layout.yaxis.dtick == 1 and figure.layout.yaxis.tickformat == "d"
    assert all("count=" not in trace.hovertemplate for trace in figure.data)
