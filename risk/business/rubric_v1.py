"""Business rubric v1, as seeded by migration risk 0005 (frozen: a change is a new version, made in
the admin by a risk analyst and published by a second person).

Expert judgement, not fitted (there is no public training set of Chinese small-business defaults).
Sources of the shapes, not of the numbers: the common bank practice of rating small enterprises
on solvency (debt ratio), growth, profitability, leverage of the new loan and debt-service cover,
plus the tax credit rating (纳税信用等级, State Taxation Administration) and years trading, and an
officer's qualitative assessment. The grade PDs are deliberately conservative for a new portfolio;
monitoring compares them with observed defaults (risk report) and a new version recalibrates.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

# v1's change note as migration risk 0006 seeds it; the console shows it translated (a note typed
# for a later version is shown as written).
NOTE_V1 = gettext_noop("v1: expert weights (no public training set of Chinese small-business defaults).")


def _band(low, high, points):
    return {"min": low, "max": high, "points": points}


def _choice(code, zh, en, points):
    return {"code": code, "label_zh": zh, "label_en": en, "points": points}


RUBRIC_V1 = {
    "quantitative": [
        {
            "code": "debt_ratio",
            "label_zh": "资产负债率",
            "label_en": "Debt ratio (liabilities / assets)",
            "weight": 20,
            "bands": [
                _band(None, "0.4", 100),
                _band("0.4", "0.6", 70),
                _band("0.6", "0.8", 35),
                _band("0.8", None, 0),
            ],
            "missing": 0,
        },
        {
            "code": "revenue_growth",
            "label_zh": "营业收入增长率",
            "label_en": "Revenue growth",
            "weight": 10,
            "bands": [
                _band(None, "-0.2", 0),
                _band("-0.2", "0", 40),
                _band("0", "0.1", 70),
                _band("0.1", None, 100),
            ],
            "missing": 30,
        },
        {
            "code": "profit_margin",
            "label_zh": "销售净利率",
            "label_en": "Profit margin",
            "weight": 15,
            "bands": [
                _band(None, "0", 0),
                _band("0", "0.05", 50),
                _band("0.05", "0.1", 80),
                _band("0.1", None, 100),
            ],
            "missing": 0,
        },
        {
            "code": "loan_to_revenue",
            "label_zh": "贷款收入比",
            "label_en": "Loan to revenue",
            "weight": 15,
            "bands": [
                _band(None, "0.1", 100),
                _band("0.1", "0.25", 75),
                _band("0.25", "0.5", 40),
                _band("0.5", None, 0),
            ],
            "missing": 0,
        },
        {
            "code": "dscr",
            "label_zh": "偿债覆盖率（新贷款）",
            "label_en": "Debt-service coverage of the new loan",
            "weight": 25,
            "bands": [
                _band(None, "1", 0),
                _band("1", "1.25", 40),
                _band("1.25", "2", 75),
                _band("2", None, 100),
            ],
            "missing": 0,
        },
        {
            "code": "tax_rating",
            "label_zh": "纳税信用等级",
            "label_en": "Tax credit rating",
            "weight": 10,
            "choices": {"A": 100, "B": 75, "M": 50, "C": 20, "D": 0},
            "missing": 0,
        },
        {
            "code": "years_trading",
            "label_zh": "经营年限",
            "label_en": "Years trading",
            "weight": 5,
            "bands": [_band(None, "2", 20), _band("2", "5", 60), _band("5", None, 100)],
            "missing": 0,
        },
    ],
    "qualitative": [
        {
            "code": "management_experience",
            "label_zh": "经营者管理经验",
            "label_en": "Management experience",
            "weight": 25,
            "choices": [
                _choice("over_10y", "本行业十年以上", "Over ten years in the trade", 100),
                _choice("3_10y", "本行业三至十年", "Three to ten years in the trade", 70),
                _choice("under_3y", "本行业不足三年", "Under three years in the trade", 30),
                _choice("none", "无相关经验", "No experience in the trade", 0),
            ],
        },
        {
            "code": "industry_outlook",
            "label_zh": "行业前景",
            "label_en": "Industry outlook",
            "weight": 20,
            "choices": [
                _choice("growing", "增长", "Growing", 100),
                _choice("stable", "稳定", "Stable", 70),
                _choice("declining", "下行", "Declining", 20),
            ],
        },
        {
            "code": "market_position",
            "label_zh": "市场地位",
            "label_en": "Market position",
            "weight": 20,
            "choices": [
                _choice("strong", "客户稳定、有竞争优势", "Loyal customers, a clear advantage", 100),
                _choice("average", "一般", "Average", 60),
                _choice("weak", "依赖少数客户或竞争激烈", "Few customers or fierce competition", 20),
            ],
        },
        {
            "code": "relationship_history",
            "label_zh": "与本行往来记录",
            "label_en": "Relationship history",
            "weight": 15,
            "choices": [
                _choice("good_long", "往来两年以上且记录良好", "Over two years, clean record", 100),
                _choice("new", "新客户", "New customer", 50),
                _choice("problems", "曾有逾期或纠纷", "Past arrears or disputes", 0),
            ],
        },
        {
            "code": "site_visit",
            "label_zh": "实地调查结论",
            "label_en": "Site visit findings",
            "weight": 20,
            "choices": [
                _choice("consistent", "经营正常，与申报一致", "Operating, consistent with the figures", 100),
                _choice("minor_gaps", "存在轻微不一致", "Minor inconsistencies", 50),
                _choice("serious_gaps", "经营异常或严重不一致", "Not operating or serious gaps", 0),
            ],
        },
    ],
    "quantitative_share": "0.6",
    "personal_weight": "0.3",
    "personal_grade_points": {"A": 100, "B": 80, "C": 60, "D": 40, "E": 20},
    "grades": [
        {"grade": "A", "min_score": "80", "pd": "0.0100"},
        {"grade": "B", "min_score": "65", "pd": "0.0250"},
        {"grade": "C", "min_score": "50", "pd": "0.0500"},
        {"grade": "D", "min_score": "35", "pd": "0.1000"},
        {"grade": "E", "min_score": "0", "pd": "0.2000"},
    ],
}
