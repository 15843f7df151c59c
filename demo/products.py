"""Demo catalogue: nine active products covering every category (one of them the revolving credit
line LINE-FLEX), and one in each other state.

Built through the services (create → submit → approve by a second manager) so the demo has the
same events and history as real products. Idempotent: products whose code exists are skipped.
Rates are realistic for 2026 China (LPR 1Y 3.00 %, 5Y 3.50 %) and every worst-case APR is under
the 24 % cap.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.db import transaction

from loanhub import clock
from products import services
from products.choices import RISK_GRADES
from products.models import Product

GRADES = RISK_GRADES


def _grid(bands: list[tuple[int, int]], values_by_band: list[list], *, floating: bool = False) -> list[dict]:
    rows = []
    for (low, high), values in zip(bands, values_by_band, strict=True):
        for grade, value in zip(GRADES, values, strict=True):
            row = {
                "risk_grade": grade,
                "term_min": low,
                "term_max": high,
                "annual_rate": None,
                "spread_bps": None,
            }
            row["spread_bps" if floating else "annual_rate"] = value if floating else D(value)
            rows.append(row)
    return rows


def _fee(code, zh, en, fee_type, *, amount=None, rate=None, waived=(), mandatory=True) -> dict:
    return {
        "code": code,
        "name_zh": zh,
        "name_en": en,
        "fee_type": fee_type,
        "amount": None if amount is None else D(amount),
        "rate": None if rate is None else D(rate),
        "mandatory": mandatory,
        "waived_for_segments": list(waived),
    }


def _promo(code, zh, en, kind, *, start, end, free=0, bps=0, segments=(), channels=()) -> dict:
    return {
        "code": code,
        "name_zh": zh,
        "name_en": en,
        "kind": kind,
        "interest_free_periods": free,
        "discount_bps": bps,
        "segments": list(segments),
        "channels": list(channels),
        "starts_on": start,
        "ends_on": end,
    }


def _terms(**overrides) -> dict:
    base = {
        "description_zh": "",
        "description_en": "",
        "segments": [],
        "channels": ["web", "app", "branch"],
        "currency": "CNY",
        "available_until": None,
        "repayment_methods": ["annuity", "equal_principal"],
        "frequencies": ["monthly"],
        "default_method": "annuity",
        "default_frequency": "monthly",
        "day_count": "30/360",
        "rate_type": "fixed",
        "benchmark": "",
        "penalty_rate_multiplier": D("1.5"),
        "grace_max_periods": 0,
        "grace_types": [],
        "prepayment_allowed_after": 0,
        "prepayment_fee_rate": D("0"),
        "prepayment_free_allowance": D("0"),
        "customer_types": ["individual"],
        "employment_types": ["salaried", "self_employed", "business_owner"],
        "regions": [],
        "age_min": 18,
        "age_max": 60,
        "age_max_at_maturity": 65,
        "min_monthly_income": D("3000.00"),
        "max_dti": D("0.5"),
        "required_documents": ["id_card", "income_proof"],
    }
    base.update(overrides)
    return base


def demo_catalogue(today: dt.date) -> list[dict]:
    """The demo definitions; `target` is the state each one is left in."""
    since = today - dt.timedelta(days=180)
    promo_start, promo_end = today - dt.timedelta(days=30), today + dt.timedelta(days=150)
    return [
        {
            "code": "HOME-LPR",
            "target": "active",
            "terms": _terms(
                name_zh="安居个人住房贷款",
                name_en="Home Purchase Loan (LPR-linked)",
                description_zh="购买自住住房，利率按5年期以上LPR浮动，最长30年。",
                description_en=(
                    "For buying your own home; the rate floats with the 5-year LPR; up to 30 years."
                ),
                category="consumer_home",
                segments=["salaried", "payroll"],
                channels=["web", "app", "branch"],
                available_from=since,
                amount_min=D("200000.00"),
                amount_max=D("5000000.00"),
                term_min=60,
                term_max=360,
                representative_amount=D("1000000.00"),
                representative_term=360,
                rate_type="floating",
                benchmark="lpr_5y",
                prepayment_allowed_after=12,
                prepayment_fee_rate=D("0.01"),
                prepayment_free_allowance=D("0.2"),
                age_max=60,
                age_max_at_maturity=70,
                min_monthly_income=D("8000.00"),
                required_documents=["id_card", "income_proof", "purchase_contract", "bank_statement"],
                max_exposure_per_customer=D("5000000.00"),
            ),
            "pricing_grid": _grid([(60, 360)], [[-40, -30, -20, 0, 30]], floating=True),
            "fees": [],
            "promotions": [],
        },
        {
            "code": "AUTO-EASY",
            "target": "active",
            "terms": _terms(
                name_zh="畅行汽车消费贷款",
                name_en="Easy Drive Car Loan",
                description_zh="新车及二手车购车贷款，首付低至20%。",
                description_en="New and used cars, down payment from 20 %.",
                category="consumer_auto",
                segments=["salaried", "payroll"],
                channels=["web", "app", "branch", "partner"],
                available_from=since,
                amount_min=D("30000.00"),
                amount_max=D("800000.00"),
                term_min=12,
                term_max=60,
                representative_amount=D("150000.00"),
                representative_term=36,
                max_exposure_per_customer=D("1000000.00"),
                required_documents=["id_card", "income_proof", "vehicle_invoice"],
                min_monthly_income=D("5000.00"),
            ),
            "pricing_grid": _grid(
                [(12, 36), (37, 60)],
                [
                    ["0.0320", "0.0420", "0.0520", "0.0640", "0.0780"],
                    ["0.0350", "0.0450", "0.0560", "0.0680", "0.0820"],
                ],
            ),
            "fees": [
                _fee("service", "服务费", "Service fee", "upfront_percent", rate="0.01", waived=["payroll"])
            ],
            "promotions": [],
        },
        {
            "code": "EDU-STAR",
            "target": "active",
            "terms": _terms(
                name_zh="启航教育贷款",
                name_en="Bright Start Education Loan",
                description_zh="学费、培训费与留学费用，在读期间可只还利息。",
                description_en="Tuition, training and study abroad; interest-only while you study.",
                category="education",
                segments=["graduate"],
                channels=["web", "app"],
                available_from=since,
                amount_min=D("5000.00"),
                amount_max=D("300000.00"),
                term_min=12,
                term_max=96,
                repayment_methods=["annuity", "interest_only"],
                representative_amount=D("50000.00"),
                representative_term=48,
                grace_max_periods=12,
                grace_types=["interest_only"],
                employment_types=["student", "salaried"],
                age_max=45,
                age_max_at_maturity=55,
                min_monthly_income=D("0.00"),
                max_dti=D("0.6"),
                required_documents=["id_card", "admission_letter"],
                max_exposure_per_customer=D("300000.00"),
            ),
            "pricing_grid": _grid([(12, 96)], [["0.0360", "0.0420", "0.0480", "0.0540", "0.0600"]]),
            "fees": [],
            "promotions": [
                _promo(
                    "newcomer",
                    "新客利率优惠",
                    "New customer discount",
                    "rate_discount",
                    bps=50,
                    segments=["new_customer"],
                    start=promo_start,
                    end=promo_end,
                )
            ],
        },
        {
            "code": "TRAVEL-GO",
            "target": "active",
            "terms": _terms(
                name_zh="悦游旅行贷款",
                name_en="Wanderlust Travel Loan",
                description_zh="境内外旅游分期，App申请前3期免息。",
                description_en="Travel in installments; first 3 installments interest-free in the app.",
                category="travel",
                channels=["web", "app", "partner"],
                available_from=since,
                amount_min=D("3000.00"),
                amount_max=D("100000.00"),
                term_min=3,
                term_max=36,
                representative_amount=D("20000.00"),
                representative_term=12,
                max_exposure_per_customer=D("100000.00"),
                required_documents=["id_card", "travel_booking"],
            ),
            "pricing_grid": _grid([(3, 36)], [["0.0480", "0.0660", "0.0880", "0.1080", "0.1280"]]),
            "fees": [],
            "promotions": [
                _promo(
                    "app3free",
                    "App专享前3期免息",
                    "App: first 3 installments interest-free",
                    "interest_free",
                    free=3,
                    channels=["app"],
                    start=promo_start,
                    end=promo_end,
                )
            ],
        },
        {
            "code": "CASH-PLUS",
            "target": "active",
            "revision": {"grid_cut": D("0.0030")},  # version 2 lowers every rate by 30 bp
            "terms": _terms(
                name_zh="随心个人消费贷款",
                name_en="Flexi Personal Loan",
                description_zh="装修、家电、婚庆等个人消费，最快当天放款。",
                description_en="Home improvement, appliances, weddings and more; same-day payout.",
                category="consumer_general",
                segments=["salaried", "payroll", "new_customer"],
                channels=["web", "app", "branch", "hotline"],
                available_from=since,
                amount_min=D("20000.00"),
                amount_max=D("300000.00"),
                term_min=6,
                term_max=60,
                representative_amount=D("100000.00"),
                representative_term=36,
                employment_types=["salaried", "self_employed"],
                max_exposure_per_customer=D("300000.00"),
                auto_approve_limit=D("150000.00"),
            ),
            "pricing_grid": _grid(
                [(6, 24), (25, 60)],
                [
                    ["0.0360", "0.0600", "0.0880", "0.1180", "0.1440"],
                    ["0.0380", "0.0640", "0.0920", "0.1220", "0.1480"],
                ],
            ),
            "fees": [
                _fee(
                    "arrangement",
                    "账户管理费",
                    "Arrangement fee",
                    "upfront",
                    amount="200.00",
                    waived=["payroll"],
                )
            ],
            "promotions": [],
        },
        {
            # The revolving credit line (随借随还): the approved amount is the limit, drawn and
            # repaid any time from the portal or the API (servicing.lines); quoted as the whole
            # limit drawn for the representative term, interest paid monthly.
            "code": "LINE-FLEX",
            "target": "active",
            "terms": _terms(
                name_zh="随借随还信用额度",
                name_en="Flexi Credit Line",
                description_zh="一次授信，随借随还，按日计息，只为已用金额付息；逾期最低还款按合同利率1.5倍计收罚息。",
                description_en=(
                    "One approved limit: draw and repay any time, with daily interest on what you"
                    " use only; an overdue minimum payment bears penalty interest at 1.5 x the rate."
                ),
                category="consumer_general",
                segments=["salaried", "payroll"],
                channels=["web", "app", "branch"],
                available_from=since,
                amount_min=D("5000.00"),
                amount_max=D("200000.00"),
                term_min=12,
                term_max=12,
                repayment_methods=["revolving"],
                default_method="revolving",
                day_count="ACT/365",
                representative_amount=D("50000.00"),
                representative_term=12,
                employment_types=["salaried", "self_employed"],
                max_exposure_per_customer=D("200000.00"),
            ),
            "pricing_grid": _grid([(12, 12)], [["0.0540", "0.0730", "0.0912", "0.1095", "0.1460"]]),
            "fees": [],
            "promotions": [],
        },
        {
            "code": "BIZ-OP",
            "target": "active",
            "terms": _terms(
                name_zh="兴业经营贷款",
                name_en="Business Operating Loan",
                description_zh="个体工商户与小微企业流动资金，按1年期LPR浮动，可按季付息。",
                description_en=(
                    "Working capital for sole proprietors and small firms; "
                    "1-year LPR-linked; quarterly option."
                ),
                category="business_operating",
                segments=["merchant", "sme"],
                channels=["web", "app", "branch", "partner"],
                available_from=since,
                amount_min=D("10000.00"),
                amount_max=D("500000.00"),
                term_min=6,
                term_max=36,
                repayment_methods=["annuity", "equal_principal", "interest_only"],
                frequencies=["monthly", "quarterly"],
                representative_amount=D("200000.00"),
                representative_term=12,
                rate_type="floating",
                benchmark="lpr_1y",
                customer_types=["sole_proprietor", "small_business"],
                employment_types=["business_owner", "self_employed"],
                age_max=65,
                age_max_at_maturity=70,
                min_monthly_income=D("10000.00"),
                max_dti=D("0.6"),
                required_documents=["id_card", "business_license", "bank_statement", "tax_returns"],
                max_exposure_per_customer=D("1000000.00"),
            ),
            "pricing_grid": _grid([(6, 36)], [[50, 120, 200, 300, 450]], floating=True),
            "fees": [
                _fee("service", "服务费", "Service fee", "upfront_percent", rate="0.005", waived=["sme"])
            ],
            "promotions": [],
        },
        {
            "code": "BIZ-START",
            "target": "active",
            "terms": _terms(
                name_zh="筑梦创业贷款",
                name_en="Dream Start-up Loan",
                description_zh="首次创业者与高校毕业生创业，可享6个月宽限期。",
                description_en=(
                    "For first-time founders and graduates starting a business; 6-month grace available."
                ),
                category="business_startup",
                segments=["entrepreneur", "graduate"],
                channels=["web", "branch"],
                available_from=since,
                amount_min=D("10000.00"),
                amount_max=D("300000.00"),
                term_min=12,
                term_max=36,
                repayment_methods=["annuity", "interest_only"],
                representative_amount=D("100000.00"),
                representative_term=24,
                grace_max_periods=6,
                grace_types=["interest_only"],
                customer_types=["individual", "sole_proprietor", "small_business"],
                employment_types=["business_owner", "self_employed", "salaried"],
                age_max=55,
                min_monthly_income=D("0.00"),
                max_dti=D("0.6"),
                required_documents=["id_card", "business_plan", "business_license"],
                max_exposure_per_customer=D("300000.00"),
            ),
            "pricing_grid": _grid([(12, 36)], [["0.0385", "0.0450", "0.0550", "0.0680", "0.0850"]]),
            "fees": [],
            "promotions": [
                _promo(
                    "grad6free",
                    "毕业生前6期免息",
                    "Graduates: first 6 installments interest-free",
                    "interest_free",
                    free=6,
                    segments=["graduate"],
                    start=promo_start,
                    end=promo_end,
                )
            ],
        },
        {
            "code": "PREMIUM-ELITE",
            "target": "active",
            "terms": _terms(
                name_zh="尊享大额贷款",
                name_en="Elite Premium Loan",
                description_zh="高净值客户大额长期贷款，可按季或半年付款。",
                description_en=(
                    "Large long-term loans for high-net-worth customers; quarterly or half-yearly payments."
                ),
                category="premium",
                segments=["high_net_worth"],
                channels=["branch"],
                available_from=since,
                amount_min=D("1000000.00"),
                amount_max=D("20000000.00"),
                term_min=12,
                term_max=120,
                repayment_methods=["annuity", "equal_principal", "interest_only"],
                frequencies=["monthly", "quarterly", "semiannual"],
                representative_amount=D("3000000.00"),
                representative_term=60,
                rate_type="floating",
                benchmark="lpr_5y",
                customer_types=["individual", "sole_proprietor"],
                employment_types=["business_owner", "salaried", "self_employed", "retired"],
                age_min=25,
                age_max=65,
                age_max_at_maturity=75,
                min_monthly_income=D("50000.00"),
                required_documents=["id_card", "income_proof", "asset_proof", "bank_statement"],
                max_exposure_per_customer=D("30000000.00"),
            ),
            "pricing_grid": _grid([(12, 120)], [[20, 45, 70, 100, 150]], floating=True),
            "fees": [],
            "promotions": [],
        },
        # --- one product in each state that is not offered -----------------------------------
        {
            "code": "GREEN-AUTO",
            "target": "draft",
            "terms": _terms(
                name_zh="绿能新能源车贷款",
                name_en="Green Energy Car Loan",
                category="consumer_auto",
                available_from=today,
                amount_min=D("50000.00"),
                amount_max=D("600000.00"),
                term_min=12,
                term_max=60,
                representative_amount=D("200000.00"),
                representative_term=36,
                max_exposure_per_customer=D("800000.00"),
            ),
            "pricing_grid": _grid([(12, 60)], [["0.0288", "0.0380", "0.0480", "0.0600", "0.0720"]]),
            "fees": [],
            "promotions": [],
        },
        {
            "code": "BIZ-FLEX",
            "target": "in_review",
            "terms": _terms(
                name_zh="灵活周转经营贷",
                name_en="Flexi Working Capital Loan",
                category="business_operating",
                available_from=today,
                amount_min=D("20000.00"),
                amount_max=D("1000000.00"),
                term_min=3,
                term_max=24,
                repayment_methods=["interest_only", "annuity"],
                default_method="interest_only",
                representative_amount=D("300000.00"),
                representative_term=12,
                customer_types=["sole_proprietor", "small_business"],
                employment_types=["business_owner"],
                max_exposure_per_customer=D("1500000.00"),
            ),
            "pricing_grid": _grid([(3, 24)], [["0.0420", "0.0520", "0.0650", "0.0800", "0.0980"]]),
            "fees": [],
            "promotions": [],
        },
        {
            "code": "TRAVEL-SUMMER",
            "target": "suspended",
            "terms": _terms(
                name_zh="暑期出游贷款",
                name_en="Summer Holiday Loan",
                category="travel",
                available_from=since,
                amount_min=D("2000.00"),
                amount_max=D("50000.00"),
                term_min=3,
                term_max=24,
                representative_amount=D("10000.00"),
                representative_term=12,
                max_exposure_per_customer=D("50000.00"),
            ),
            "pricing_grid": _grid([(3, 24)], [["0.0580", "0.0760", "0.0960", "0.1160", "0.1380"]]),
            "fees": [],
            "promotions": [],
        },
        {
            "code": "CASH-LEGACY",
            "target": "retired",
            "terms": _terms(
                name_zh="旧版工薪消费贷",
                name_en="Classic Salary Loan (withdrawn)",
                category="consumer_general",
                available_from=since,
                amount_min=D("5000.00"),
                amount_max=D("200000.00"),
                term_min=6,
                term_max=36,
                representative_amount=D("50000.00"),
                representative_term=24,
                employment_types=["salaried"],
                max_exposure_per_customer=D("200000.00"),
            ),
            "pricing_grid": _grid([(6, 36)], [["0.0480", "0.0720", "0.0980", "0.1260", "0.1500"]]),
            "fees": [],
            "promotions": [],
        },
    ]


def seed_products(*, maker, checker, today: dt.date | None = None) -> list[tuple[str, str]]:
    """Create the demo catalogue (maker: a Product Manager; checker: a second one or a Senior
    Approver). Returns (code, state) for the products created."""
    today = today or clock.today()
    created = []
    with transaction.atomic():
        for item in demo_catalogue(today):
            if Product.objects.filter(code=item["code"]).exists():
                continue
            version = services.product_create(
                actor=maker,
                code=item["code"],
                terms=item["terms"],
                pricing_grid=item["pricing_grid"],
                fees=item["fees"],
                promotions=item["promotions"],
            )
            target = item["target"]
            if target != "draft":
                services.product_submit_for_review(version=version, actor=maker, reason="演示")
            if target in ("active", "suspended", "retired"):
                services.product_approve(version=version, actor=checker, reason="演示", on_date=today)
            if target == "suspended":
                services.product_suspend(version=version, actor=checker, reason="旅游旺季结束")
            if target == "retired":
                services.product_retire(version=version, actor=checker, reason="由 CASH-PLUS 取代")
            if "revision" in item:
                _revise(version, item, maker=maker, checker=checker, today=today)
            created.append((item["code"], target))
    return created


def _revise(version, item, *, maker, checker, today) -> None:
    """A second version with lower rates, so the demo shows version history and a diff."""
    cut = item["revision"]["grid_cut"]
    draft = services.product_new_version(product=version.product, actor=maker)
    grid = [dict(row, annual_rate=row["annual_rate"] - cut) for row in item["pricing_grid"]]
    services.product_version_update(version=draft, actor=maker, pricing_grid=grid)
    services.product_submit_for_review(version=draft, actor=maker, reason="LPR 下调后利率下调 30 个基点")
    services.product_approve(version=draft, actor=checker, reason="同意", on_date=today)
