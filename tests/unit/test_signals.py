import pytest

from dashboard.signals import assurance_label, rag_label, variation_label
from models.measures import rag_rating


@pytest.mark.parametrize(
    "value, target, higher, tolerance, expected",
    [
        (25.0, 25.0, True, 2.0, "green"),  # meeting the target exactly is green
        (23.5, 25.0, True, 2.0, "amber"),
        (22.9, 25.0, True, 2.0, "red"),
        (3.0, 5.0, False, 1.0, "green"),  # lower is better: missed visits
        (5.8, 5.0, False, 1.0, "amber"),
        (6.2, 5.0, False, 1.0, "red"),
        (10.0, None, True, 1.0, None),
        (23.0, 25.0, True, None, "red"),
    ],
)
def test_rag_respects_direction_and_tolerance(value, target, higher, tolerance, expected):
    assert rag_rating(value, target, higher, tolerance) == expected


def test_labels_carry_words_not_only_colour():
    assert rag_label("amber") == ":orange[●] Amber: near target"
    assert str(variation_label("concern", "high")) == "⚠ Concern (unusually high)"
    assert variation_label("common_cause", None).text == "Common cause: no significant change"
    assert assurance_label("fail").text == "Consistently misses the target"
    assert assurance_label(None).text == "No target to assure against"
