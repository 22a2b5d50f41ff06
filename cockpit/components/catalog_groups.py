"""How the pages group the catalog's metrics (navigation menus, the county table, /compare).

Presentation only: the metrics themselves, their 口径 and direction live in
cockpit.metrics.catalog. A group lists metric ids in display order.
"""
from __future__ import annotations

from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID, METRICS

GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "core": ("核心指标", CORE_METRICS),
    "arrest": ("审查逮捕", ("non_arrest_rate", "pretrial_detention_rate", "assessment_coverage",
                          "assessment_consistency", "review_days_avg", "arrest_concluded", "arrest_approved",
                          "arrest_assessed")),
    "prosecution": ("审查起诉", ("non_prosecution_rate", "plea_rate", "fixed_rec_rate", "rec_adoption_rate",
                               "post_arrest_non_prosecution_rate", "post_arrest_light_rate", "pros_concluded")),
    "noncustody": ("非羁押诉讼", ("nc_under_supervision", "nc_new", "checkin_rate", "warning_handled_rate",
                              "summons_rate", "abscond_rate", "nc_warnings", "nc_bail_amount")),
    "plea": ("认罪认罚同录", ("recording_coverage", "remote_hearing_share", "efp_return_rate", "plea_statements")),
    "juvenile": ("未成年人检察", ("conditional_non_prosecution_rate", "social_survey_rate", "juv_concluded")),
    "models": ("数字检察监督", ("platforms", "models", "records_collected", "clues", "clue_verification_rate",
                            "clue_case_rate", "suggestions", "suggestion_reply_rate", "suggestion_adoption_rate",
                            "children_back_to_school", "duty_crime_transfers", "corrected_cases")),
}
GROUP_LABELS = {k: v[0] for k, v in GROUPS.items()}
# Domain groups (every metric exactly once), in menu order.
DOMAINS = ("arrest", "prosecution", "noncustody", "plea", "juvenile", "models")
# Ratios that compare offices fairly (the counts depend on the county's size).
RATIO_METRICS = tuple(m.id for m in METRICS if m.is_ratio)

assert sorted(i for d in DOMAINS for i in GROUPS[d][1]) == sorted(METRIC_BY_ID), "a metric has no group"


def domain_of(metric_id: str) -> str:
    for d in DOMAINS:
        if metric_id in GROUPS[d][1]:
            return d
    raise KeyError(metric_id)
