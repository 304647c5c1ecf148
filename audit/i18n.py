"""Labels of the reports in Vietnamese and English (``lang="vi"`` by default, ``"en"``).

One table, ``LABELS[key] = (vi, en)``; :func:`t` looks a key up and formats it.  Enumerations
of the contract (services, methods, milestones, statuses …) have their own tables so that a
report never shows a raw code where a reader expects a word.  A missing key is an error (a test
checks that every key used by the report modules exists in both languages).
"""
from __future__ import annotations

LANGS = ("vi", "en")

LABELS: dict[str, tuple[str, str]] = {
    # --- titles and banners ---------------------------------------------------------------
    "inspection_title": ("Báo cáo thanh tra: dịch vụ Học bạ số", "Inspection report: Học bạ số services"),
    "pilot_title": ("Đánh giá thí điểm Học bạ số", "Evaluation of the Học bạ số pilot"),
    "index_title": ("Kiểm tra định kỳ: báo cáo các tỉnh, thành phố", "Scheduled audit: province reports"),
    "nation": ("Toàn quốc", "Whole nation"),
    "all_years": ("mọi năm học", "every school year"),
    "synthetic_banner": ("DỮ LIỆU TỔNG HỢP — không phải số liệu thật. Mọi tên, mã và con số trong báo cáo "
                         "này do bộ sinh dữ liệu tạo ra để thử nghiệm.",
                         "SYNTHETIC DATA — not real figures. Every name, id and number in this report "
                         "was made up by the data generator for testing."),
    "privacy_public": ("Bản công khai: tên, ngày sinh, số định danh, điện thoại, thư điện tử và địa chỉ của "
                       "cá nhân được ẩn; cá nhân được nêu theo vai trò và bí danh.",
                       "Public edition: people's names, birth dates, ids, phones, e-mails and addresses are "
                       "hidden; people appear by role and a pseudonym."),
    "privacy_internal": ("Bản nội bộ, chỉ dành cho thanh tra: có thông tin cá nhân. Không phát tán.",
                         "Internal edition for inspectors only: contains personal data. Do not circulate."),
    "toc": ("Mục lục", "Contents"),
    "generated": ("Lập lúc", "Generated"),
    "province": ("Tỉnh, thành phố", "Province"),
    "school_year": ("Năm học", "School year"),
    "audit_run": ("Lần chạy kiểm tra", "Audit run"),
    "as_of": ("Tính đến ngày", "As of"),
    "code_version": ("Phiên bản phần mềm", "Code version"),
    "scope": ("Phạm vi", "Scope"),
    # --- sections -------------------------------------------------------------------------
    "sec_summary": ("Tóm tắt", "Summary"),
    "sec_sources": ("Nguồn dữ liệu và chất lượng", "Data sources and quality"),
    "sec_market": ("Cơ cấu thị trường", "Market structure"),
    "sec_map": ("Bản đồ nhà cung cấp", "Supplier map"),
    "sec_findings": ("Các phát hiện theo nhóm dấu hiệu", "Findings by family"),
    "sec_coi": ("Các trường hợp xung đột lợi ích", "Conflict-of-interest cases"),
    "sec_procurement": ("Đặc điểm đấu thầu, mua sắm", "Procurement patterns"),
    "sec_deployments": ("Triển khai và khoản thu từ phụ huynh", "Deployments and fees charged to families"),
    "sec_governance": ("Quản trị thí điểm", "Pilot governance"),
    "sec_appendix": ("Phụ lục: các vấn đề chất lượng dữ liệu", "Appendix: data-quality problems"),
    "sec_coverage": ("Độ bao phủ của thí điểm", "Pilot coverage"),
    "sec_costs": ("Chi phí theo dịch vụ và nhà cung cấp", "Costs by service and vendor"),
    "sec_milestones": ("Tiến độ các mốc triển khai", "Roll-out milestones"),
    "sec_projection": ("Dự báo chi phí hằng năm khi triển khai toàn quốc",
                       "Projected yearly cost of a national roll-out"),
    "sec_method": ("Phương pháp", "Method"),
    # --- summary ----------------------------------------------------------------------------
    "what_audited": ("Báo cáo này kiểm tra việc mua sắm và triển khai các dịch vụ phục vụ Học bạ số "
                     "(phần mềm quản lý trường học, chữ ký số, hạ tầng, lưu trữ dữ liệu, tập huấn) theo "
                     "danh mục {n_flags} dấu hiệu rủi ro. Mỗi phát hiện là lý do để xem xét, không phải "
                     "kết luận vi phạm.",
                     "This report checks the procurement and deployment of the services around Học bạ số "
                     "(school management software, digital signatures, infrastructure, data hosting, "
                     "training) against a catalogue of {n_flags} red flags. A finding is a reason to look, "
                     "not a verdict."),
    "key_figures": ("Số liệu chính", "Key figures"),
    "n_schools": ("Số trường", "Schools"),
    "n_pilot_schools": ("Trường tham gia thí điểm", "Schools in the pilot"),
    "n_students": ("Số học sinh", "Students"),
    "n_tenders": ("Số gói thầu", "Tenders"),
    "n_contracts": ("Số hợp đồng", "Contracts"),
    "contract_value": ("Tổng giá trị hợp đồng", "Total contract value"),
    "n_vendors": ("Số nhà cung cấp có triển khai", "Vendors with deployments"),
    "n_findings": ("Số phát hiện", "Findings"),
    "n_high": ("Phát hiện mức cao", "High-severity findings"),
    "n_confirmed": ("Đã xác nhận", "Confirmed"),
    "parent_fees_total": ("Tổng thu từ phụ huynh mỗi năm", "Fees charged to families per year"),
    "province_risk": ("Điểm rủi ro của tỉnh", "Province risk score"),
    "top_findings": ("Các phát hiện điểm cao nhất", "Highest-scoring findings"),
    "risk_top": ("Đối tượng rủi ro cao nhất", "Highest-risk parties"),
    "not_computed": ("Dấu hiệu chưa tính được do thiếu dữ liệu", "Flags not computed for lack of data"),
    "needs": ("Cần bảng", "Needs tables"),
    "source": ("Nguồn", "Source"),
    "kind": ("Loại", "Kind"),
    "sha256": ("Mã băm SHA-256", "SHA-256"),
    "ingested_at": ("Thời điểm nhập", "Ingested at"),
    "table": ("Bảng", "Table"),
    "read": ("Đọc", "Read"),
    "landed": ("Nhập được", "Landed"),
    "quarantined": ("Bị cách ly", "Quarantined"),
    "quality_ok": ("Mọi dòng dữ liệu đều hợp lệ.", "Every row was valid."),
    "quality_text": ("{bad} trong {read} dòng ({pct}) bị cách ly khi nhập vì không hợp lệ; các phân tích "
                     "dưới đây không dùng các dòng đó. Chi tiết ở phụ lục.",
                     "{bad} of {read} rows ({pct}) were quarantined at ingest as invalid; the analyses "
                     "below do not use them. Details are in the appendix."),
    "no_ingest": ("Chưa có lần nhập dữ liệu nào trong kho.", "The store has no ingest yet."),
    # --- market ----------------------------------------------------------------------------
    "market_intro": ("Thị trường là (tỉnh, dịch vụ, năm học); thị phần tính theo số trường mà nhóm nhà "
                     "cung cấp phục vụ. HHI là tổng bình phương thị phần (×10.000): trên 2.500 là tập "
                     "trung cao.",
                     "A market is (province, service, school year); a share counts the schools a vendor "
                     "group serves. HHI is the sum of squared shares (×10,000): above 2,500 is highly "
                     "concentrated."),
    "service": ("Dịch vụ", "Service"),
    "market_schools": ("Số trường của thị trường", "Schools in market"),
    "n_groups": ("Số nhóm nhà cung cấp", "Vendor groups"),
    "hhi": ("HHI", "HHI"),
    "top_group": ("Nhóm lớn nhất", "Largest group"),
    "top_share": ("Thị phần lớn nhất", "Largest share"),
    "vendor_group": ("Nhóm nhà cung cấp", "Vendor group"),
    "vendor": ("Nhà cung cấp", "Vendor"),
    "schools": ("Số trường", "Schools"),
    "share": ("Thị phần", "Share"),
    "shares_chart": ("Thị phần theo số trường, năm học {year}", "Shares by schools served, school year {year}"),
    "no_market": ("Không có triển khai đang hoạt động trong phạm vi này.",
                  "No active deployment in this scope."),
    "map_intro": ("Mạng lưới nhà cung cấp, trường học và cơ quan mua sắm liên quan đến các phát hiện.",
                  "The network of vendors, schools and procuring entities around the findings."),
    "map_missing": ("Chưa có bộ vẽ bản đồ nhà cung cấp (audit/present/network.py) trong bản cài đặt này; "
                    "phần này sẽ có bản đồ khi bộ vẽ được cài. Dùng «hocba-audit map» khi có.",
                    "The supplier-map renderer (audit/present/network.py) is not in this installation; "
                    "this section shows the map once it is. Use «hocba-audit map» when available."),
    # --- findings --------------------------------------------------------------------------
    "findings_intro": ("Sắp xếp theo điểm rủi ro, cao nhất trước. Trạng thái xem xét là quyết định mới "
                       "nhất của thanh tra viên.",
                       "Sorted by risk score, highest first. Review status is the inspector's latest "
                       "decision."),
    "no_findings": ("Không có phát hiện nào trong phạm vi này.", "No finding in this scope."),
    "family_count": ("{n} phát hiện", "{n} findings"),
    "code": ("Mã", "Code"),
    "finding": ("Phát hiện", "Finding"),
    "subject": ("Đối tượng", "Subject"),
    "severity": ("Mức độ", "Severity"),
    "score": ("Điểm", "Score"),
    "explanation": ("Giải thích", "Explanation"),
    "evidence": ("Bằng chứng", "Evidence"),
    "legal_basis": ("Căn cứ pháp lý", "Legal basis"),
    "review_status": ("Trạng thái xem xét", "Review status"),
    "finding_id": ("Mã phát hiện", "Finding id"),
    "more_evidence": ("… và {n} bản ghi khác", "… and {n} more records"),
    # --- COI ---------------------------------------------------------------------------------
    "coi_intro": ("Mỗi trường hợp nêu đường liên hệ từ cán bộ đến nhà cung cấp qua các bản ghi bằng chứng.",
                  "Each case shows the path from the official to the vendor through the evidence records."),
    "path": ("Đường liên hệ", "Path"),
    "no_coi": ("Không có trường hợp xung đột lợi ích nào trong phạm vi này.",
               "No conflict-of-interest case in this scope."),
    # --- procurement -----------------------------------------------------------------------
    "method": ("Hình thức lựa chọn nhà thầu", "Procurement method"),
    "tenders": ("Gói thầu", "Tenders"),
    "value": ("Giá trị dự toán", "Estimated value"),
    "value_share": ("Tỷ trọng giá trị", "Share of value"),
    "single_bid": ("Gói thầu cạnh tranh chỉ có một nhà thầu", "Competitive tenders with a single bid"),
    "direct_share": ("Tỷ trọng chỉ định thầu (theo giá trị)", "Direct awards (share of value)"),
    "avg_bids": ("Số nhà thầu bình quân mỗi gói cạnh tranh", "Mean bids per competitive tender"),
    "category": ("Lĩnh vực", "Category"),
    "no_tenders": ("Không có gói thầu nào trong phạm vi này.", "No tender in this scope."),
    "methods_chart": ("Giá trị gói thầu theo hình thức", "Tender value by method"),
    # --- deployments -----------------------------------------------------------------------
    "deployments": ("Lượt triển khai", "Deployments"),
    "budget_cost": ("Chi từ ngân sách", "Paid from the budget"),
    "parent_fee": ("Thu từ phụ huynh mỗi năm", "Charged to families per year"),
    "schools_charging": ("Số trường thu tiền phụ huynh", "Schools charging families"),
    "fee_per_student": ("Mức thu mỗi học sinh mỗi năm", "Fee per student per year"),
    "status": ("Trạng thái", "Status"),
    "fees_text": ("{n} trường thu tổng cộng {total} từ phụ huynh cho các dịch vụ Học bạ số. Chỉ thị của Bộ "
                  "nghiêm cấm thu tiền phụ huynh để chi trả phần mềm quản lý trường học và chữ ký số.",
                  "{n} schools charged families a total of {total} for Học bạ số services. The Ministry's "
                  "directive forbids charging parents for school management software and digital "
                  "signatures."),
    "no_fees": ("Không có trường nào thu tiền phụ huynh trong phạm vi này.",
                "No school charged families in this scope."),
    "no_deployments": ("Không có triển khai nào trong phạm vi này.", "No deployment in this scope."),
    "fees_chart": ("Khoản thu từ phụ huynh theo dịch vụ", "Fees charged to families by service"),
    # --- governance ------------------------------------------------------------------------
    "milestone": ("Mốc", "Milestone"),
    "due_on": ("Hạn", "Due"),
    "done_on": ("Hoàn thành", "Done"),
    "document_ref": ("Văn bản", "Document"),
    "late_days": ("Trễ (ngày)", "Late (days)"),
    "not_done": ("chưa hoàn thành", "not done"),
    "no_milestones": ("Không có số liệu mốc thí điểm.", "No pilot milestone data."),
    "coverage_text": ("{pilot} trong {total} trường ({pct}) tham gia thí điểm; {issued} học bạ được lập, "
                      "{signed} đã ký số ({spct}).",
                      "{pilot} of {total} schools ({pct}) are in the pilot; {issued} records issued, "
                      "{signed} digitally signed ({spct})."),
    # --- appendix --------------------------------------------------------------------------
    "row": ("Dòng", "Row"),
    "column": ("Cột", "Column"),
    "reason": ("Lý do", "Reason"),
    "problem": ("Vấn đề", "Problem"),
    "count": ("Số lượng", "Count"),
    "quarantine_by_reason": ("Dòng bị cách ly theo bảng và lý do", "Quarantined rows by table and reason"),
    "quarantine_rows": ("Các dòng bị cách ly", "Quarantined rows"),
    "first_n": ("(hiển thị {n} dòng đầu trong {total})", "(showing the first {n} of {total})"),
    "no_quarantine": ("Không có dòng nào bị cách ly.", "No row was quarantined."),
    # --- pilot evaluation ------------------------------------------------------------------
    "pilot_intro": ("Bộ Giáo dục và Đào tạo yêu cầu các tỉnh đánh giá thí điểm: độ bao phủ, chi phí theo "
                    "trường và theo học sinh, và chi phí dự kiến khi triển khai toàn quốc.",
                    "The Ministry of Education and Training asked provinces to evaluate the pilot: its "
                    "coverage, its costs per school and per student, and the expected cost of a national "
                    "roll-out."),
    "records_total": ("Học bạ được lập", "Records issued"),
    "records_signed": ("Học bạ đã ký số", "Records signed"),
    "signed_pct": ("Tỷ lệ đã ký", "Share signed"),
    "pilot_schools": ("Trường thí điểm", "Pilot schools"),
    "pilot_share": ("Tỷ lệ trường thí điểm", "Share of schools in pilot"),
    "students": ("Học sinh", "Students"),
    "cost_total": ("Tổng chi phí", "Total cost"),
    "per_school": ("Bình quân mỗi trường", "Per school"),
    "per_student": ("Bình quân mỗi học sinh", "Per student"),
    "payer_budget": ("ngân sách", "budget"),
    "payer_families": ("phụ huynh", "families"),
    "projection_text": ("Chi phí mỗi học sinh của các trường thí điểm năm học {year}, nhân với số học sinh "
                        "của từng tỉnh trong kho dữ liệu. Khoảng tin cậy 95% theo bootstrap ({n} lần lấy "
                        "mẫu lại các trường thí điểm).",
                        "The pilot schools' cost per student in school year {year}, times each province's "
                        "students in the store. 95% bootstrap interval ({n} resamples of the pilot "
                        "schools)."),
    "projected": ("Chi phí dự kiến/năm", "Projected cost/year"),
    "low": ("Cận dưới 95%", "95% low"),
    "high": ("Cận trên 95%", "95% high"),
    "total": ("Tổng cộng", "Total"),
    "no_students": ("Các trường thí điểm có chi phí nhưng chưa có số học sinh trong kho, nên không tính "
                    "được chi phí mỗi học sinh và dự báo. Hãy nhập cột students của bảng trường học.",
                    "The pilot schools have costs but no student numbers in the store, so no cost per "
                    "student or projection can be computed. Fill in the schools table's students "
                    "column."),
    "no_pilot": ("Không có trường thí điểm có chi phí trong phạm vi này; không dự báo được.",
                 "No pilot school with costs in this scope; no projection possible."),
    "projection_chart": ("Chi phí dự kiến mỗi năm theo tỉnh (khoảng 95%)",
                         "Projected yearly cost by province (95% interval)"),
    "cost_chart": ("Chi phí mỗi học sinh theo dịch vụ", "Cost per student by service"),
    # --- run index -------------------------------------------------------------------------
    "report": ("Báo cáo", "Report"),
    "result": ("Kết quả", "Result"),
    "failed": ("Lỗi", "Failed"),
    "ok": ("Xong", "Done"),
    "error": ("Lỗi", "Error"),
    "seconds": ("Thời gian (giây)", "Time (s)"),
    "index_intro": ("{ok} báo cáo đã lập, {failed} tỉnh lỗi. Lần chạy kiểm tra {run}.",
                    "{ok} reports written, {failed} provinces failed. Audit run {run}."),
    "unknown_province": ("«{value}» không phải là tỉnh, thành phố hiện hành",
                         "«{value}» is not a current province"),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
}

SEVERITY = {"high": ("Cao", "High"), "medium": ("Trung bình", "Medium"), "low": ("Thấp", "Low")}

REVIEW_STATUS = {"new": ("Mới", "New"), "under_review": ("Đang xem xét", "Under review"),
                 "confirmed": ("Đã xác nhận", "Confirmed"), "dismissed": ("Đã bác bỏ", "Dismissed")}

SERVICE = {
    "school_management_software": ("Phần mềm quản lý trường học", "School management software"),
    "center_management_software": ("Phần mềm quản lý trung tâm", "Centre management software"),
    "digital_signature": ("Chữ ký số", "Digital signatures"),
    "infrastructure_equipment": ("Hạ tầng, thiết bị", "Infrastructure and equipment"),
    "hosting_and_data": ("Lưu trữ, dữ liệu", "Hosting and data"),
    "training": ("Tập huấn", "Training"),
    "other": ("Khác", "Other"),
}

METHOD = {
    "open_bidding": ("Đấu thầu rộng rãi", "Open bidding"),
    "limited_bidding": ("Đấu thầu hạn chế", "Limited bidding"),
    "direct_appointment": ("Chỉ định thầu", "Direct appointment"),
    "shortened_direct_appointment": ("Chỉ định thầu rút gọn", "Shortened direct appointment"),
    "competitive_shopping": ("Chào hàng cạnh tranh", "Competitive shopping"),
    "direct_procurement": ("Mua sắm trực tiếp", "Direct procurement"),
    "self_implementation": ("Tự thực hiện", "Self-implementation"),
    "other": ("Khác", "Other"),
}

MILESTONE = {
    "steering_committee": ("Thành lập ban chỉ đạo", "Steering committee set up"),
    "plan_issued": ("Ban hành kế hoạch", "Plan issued"),
    "guidance_issued": ("Ban hành hướng dẫn", "Guidance issued"),
    "training_done": ("Hoàn thành tập huấn", "Training done"),
    "pilot_started": ("Bắt đầu thí điểm", "Pilot started"),
    "evaluation_submitted": ("Nộp báo cáo đánh giá", "Evaluation submitted"),
}

DEPLOYMENT_STATUS = {"planned": ("Dự kiến", "Planned"), "pilot": ("Thí điểm", "Pilot"),
                     "live": ("Chính thức", "Live"), "stopped": ("Đã dừng", "Stopped")}

TABLE = {
    "schools": ("Trường học", "Schools"), "authorities": ("Cơ quan", "Authorities"),
    "vendors": ("Nhà cung cấp", "Vendors"), "vendor_people": ("Người của nhà cung cấp", "Vendor people"),
    "officials": ("Cán bộ", "Officials"), "declared_relatives": ("Người thân đã kê khai", "Declared relatives"),
    "tenders": ("Gói thầu", "Tenders"), "tender_committee": ("Tổ chuyên gia, thẩm định", "Tender committees"),
    "bids": ("Hồ sơ dự thầu", "Bids"), "contracts": ("Hợp đồng", "Contracts"),
    "contract_lines": ("Dòng hợp đồng", "Contract lines"), "deployments": ("Triển khai", "Deployments"),
    "directives": ("Văn bản chỉ đạo", "Directives"), "pilot_milestones": ("Mốc thí điểm", "Pilot milestones"),
}

SUBJECT_TYPE = {
    "market": ("Thị trường", "Market"), "province": ("Tỉnh", "Province"),
    "vendor_group": ("Nhóm nhà cung cấp", "Vendor group"), "tender": ("Gói thầu", "Tender"),
    "procuring_entity": ("Bên mời thầu", "Procuring entity"), "contract": ("Hợp đồng", "Contract"),
    "contract_line": ("Dòng hợp đồng", "Contract line"), "vendor_set": ("Nhóm nhà thầu", "Set of vendors"),
    "vendor_pair": ("Cặp nhà thầu", "Pair of vendors"), "official": ("Cán bộ", "Official"),
    "school": ("Trường", "School"), "directive": ("Văn bản chỉ đạo", "Directive"),
    "deployment": ("Triển khai", "Deployment"), "vendor": ("Nhà cung cấp", "Vendor"),
}

VENDOR_STATUS = {
    "active": ("Đang hoạt động", "Active"),
    "suspended": ("Tạm ngừng hoạt động", "Suspended"),
    "dissolved": ("Đã giải thể", "Dissolved"),
}

_ENUMS = {"severity": SEVERITY, "review_status": REVIEW_STATUS, "service": SERVICE, "method": METHOD,
          "milestone": MILESTONE, "deployment_status": DEPLOYMENT_STATUS, "table": TABLE,
          "subject_type": SUBJECT_TYPE, "vendor_status": VENDOR_STATUS}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "vi" else pair[1]


def legal_basis(text: str | None, lang: str = "vi") -> str:
    """A flag's legal basis in ``lang``: registered as ``"<vi> / <en>"`` (audit/legal_bases.toml),
    the part before the first ``" / "`` is Vietnamese; a text without it is shown as it is."""
    if not text:
        return ""
    if " / " in text:
        vi, _, en = text.partition(" / ")
        return vi if check_lang(lang) == "vi" else en
    return text


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be vi or en, not {lang!r}")
    return lang


def t(key: str, lang: str = "vi", **fmt) -> str:
    """The label ``key`` in ``lang``, formatted with ``fmt``."""
    text = _pick(LABELS[key], lang)
    return text.format(**fmt) if fmt else text


def enum(kind: str, value, lang: str = "vi") -> str:
    """An enumeration value (``enum("service", "training", "en")`` → ``Training``); an unknown
    value is shown as it is."""
    if not isinstance(value, str):
        return ""
    pair = _ENUMS[kind].get(value)
    return _pick(pair, lang) if pair else value


def family(code: str, lang: str = "vi") -> str:
    from .registry import FAMILIES
    pair = FAMILIES.get(code)
    return _pick(pair, lang) if pair else code


class Labels:
    """``L = Labels("en"); L("sec_summary"); L.enum("service", "training")``."""

    def __init__(self, lang: str = "vi"):
        self.lang = check_lang(lang)

    def __call__(self, key: str, **fmt) -> str:
        return t(key, self.lang, **fmt)

    def enum(self, kind: str, value) -> str:
        return enum(kind, value, self.lang)

    def family(self, code: str) -> str:
        return family(code, self.lang)

    def pick(self, vi: str, en: str) -> str:
        return vi if self.lang == "vi" else en
