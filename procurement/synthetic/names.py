"""Vietnamese names: people, schools, firms, brands and products.

People's names are drawn through the seeded ``Faker('vi_VN')`` from its vi_VN lists, extended
with common Vietnamese family, middle and given names (Faker's lists are short) and put in
Vietnamese order (family, middle, given). Firm and brand names are fictitious combinations of
two syllables; none is the name of a real company we know of.
"""
from __future__ import annotations

from faker.providers.address.vi_VN import Provider as _FakerAddress
from faker.providers.person.vi_VN import Provider as _FakerPerson

from .util import slug


def _merge(*lists) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for lst in lists for x in lst))


# (family name, weight): approximate frequencies of Vietnamese family names.
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 31.5), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 5.1), ("Huỳnh", 4.0),
    ("Phan", 4.5), ("Vũ", 3.9), ("Võ", 3.8), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.9),
    ("Hồ", 1.5), ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đinh", 0.9), ("Trịnh", 0.7),
    ("Mai", 0.6), ("Đào", 0.7), ("Cao", 0.5), ("Lương", 0.5), ("Tạ", 0.3), ("Hà", 0.5),
    ("Lâm", 0.4), ("Chu", 0.3), ("Tô", 0.3), ("Kiều", 0.2), ("Lò", 0.2), ("Hứa", 0.2),
    ("Nông", 0.3), ("Triệu", 0.3), ("Quách", 0.2), ("Thái", 0.2), ("Vương", 0.2),
)
# Faker's own family names are all in the list above.
assert set(_FakerPerson.last_names) <= {n for n, _ in FAMILY_NAMES}

MIDDLE_MALE = _merge(("Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Xuân", "Tiến", "Công",
                      "Ngọc", "Anh", "Quốc", "Thế", "Trọng", "Duy", "Mạnh", "Tuấn", "Đình",
                      "Bá", "Việt", "Trí", "Tấn", "Phú", "Hải", "Bảo"))
MIDDLE_FEMALE = ("Thị", "Thu", "Thanh", "Ngọc", "Minh", "Hồng", "Thùy", "Phương", "Kim", "Bích",
                 "Lan", "Mai", "Thúy", "Hoài", "Diệu", "Hải", "Khánh", "Bảo", "Thị Thu",
                 "Thị Thanh", "Thị Hồng", "Thị Ngọc")
GIVEN_MALE = _merge(_FakerPerson.first_names_male, (
    "Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Long", "Thắng", "Sơn", "Trung", "Cường",
    "Hưng", "Huy", "Tùng", "Bình", "Hòa", "Đức", "Thành", "Toàn", "Vinh", "Hiếu", "Lâm", "Phong",
    "Việt", "Kiên", "Lợi", "Tài", "Thịnh", "Hậu", "Khánh", "Lộc", "Nghĩa", "Quý", "Thái", "Trí",
    "Đạt", "Hiệp", "Tâm", "Thuận", "Vũ", "Quân", "Tiến", "Khải", "Chiến", "Công", "Hoan"))
GIVEN_FEMALE = _merge(_FakerPerson.first_names_female, (
    "Lan", "Hương", "Hoa", "Mai", "Linh", "Thảo", "Hằng", "Nga", "Huyền", "Trang", "Yến",
    "Ngọc", "Thủy", "Hạnh", "Hà", "Nhung", "Oanh", "Phương", "Thúy", "Vân", "Loan", "Dung",
    "Liên", "Quỳnh", "Anh", "Chi", "Giang", "Hiền", "Hồng", "Tâm", "Uyên", "Xuân", "Duyên",
    "Nhàn", "Thoa", "Hòa", "Huệ", "Lệ", "My", "Nhi", "Tuyết", "Vy"))

#: Street names (historical figures and dates) from Faker's vi_VN address provider, plus more.
STREETS = _merge(tuple(s for s in _FakerAddress.streets if s not in ("Pasteur", "Alexandre de Rhodes")), (
    "Chu Văn An", "Lê Quý Đôn", "Nguyễn Bỉnh Khiêm", "Lê Hồng Phong", "Phan Bội Châu",
    "Lương Thế Vinh", "Nguyễn Khuyến", "Tô Hiến Thành", "Huỳnh Thúc Kháng", "Lê Văn Tám",
    "Kim Đồng", "Nguyễn Văn Trỗi", "Trần Nhân Tông", "Lý Thái Tổ", "Lý Công Uẩn", "Ngô Gia Tự",
    "Nguyễn Công Trứ", "Hàn Thuyên", "Chu Văn An", "Lê Thánh Tông", "Trần Cao Vân",
    "Nguyễn Thái Học", "Phạm Hồng Thái", "Đoàn Thị Điểm", "Bế Văn Đàn", "Tô Vĩnh Diện",
    "Cù Chính Lan", "Nguyễn Viết Xuân", "Hoàng Văn Thái", "Yết Kiêu", "Dã Tượng", "Mạc Đĩnh Chi",
))
#: Names schools are commonly given (historical figures and a few ordinal names).
SCHOOL_FIGURES = _merge(tuple(s for s in STREETS if not s[0].isdigit() and s not in (
    "Cách Mạng Tháng Tám", "Nam Kỳ Khởi Nghĩa", "Xô Viết Nghệ Tĩnh", "Điện Biên Phủ", "Đồng Khởi",
    "Giải Phóng", "Thống Nhất", "Độc Lập", "Hòa Bình", "Dân Chủ", "Tự Do", "Cộng Hòa",
    "Bạch Đằng", "Kinh Dương Vương", "Trần Não", "Lê Văn Sỹ", "Lê Văn Việt", "Lê Quang Định",
    "Phan Xích Long", "Huỳnh Văn Bánh", "Phạm Thế Hiển", "Lý Chính Thắng", "Nguyễn Hữu Cảnh",
    "Lê Đức Thọ", "Phạm Hùng", "Trường Chinh", "Tôn Đức Thắng", "Phạm Văn Đồng", "Lê Duẩn",
    "Võ Văn Kiệt", "Nguyễn Văn Linh", "Nguyễn Văn Cừ", "Nguyễn Chí Thanh", "Nguyễn Tất Thành",
    "Hoàng Văn Thụ", "Hùng Vương")),
    ("Hùng Vương", "Nguyễn Tất Thành", "Hoàng Văn Thụ"))

# Syllables of fictitious brand names: the first and second word of a brand.
BRAND_FIRST = ("An", "Bảo", "Bình", "Cát", "Đông", "Gia", "Hà", "Hải", "Hòa", "Hồng", "Hưng",
               "Khánh", "Kim", "Lạc", "Long", "Minh", "Nam", "Ngọc", "Nhật", "Phú", "Phúc", "Quang",
               "Sao", "Sơn", "Tân", "Thái", "Thành", "Thiên", "Thịnh", "Trí", "Trường", "Tuệ",
               "Vạn", "Vĩnh", "Xuân", "Đại", "Hoàng", "Tùng", "Lam", "Mai")
BRAND_SECOND = ("An", "Anh", "Bắc", "Đạt", "Đức", "Gia", "Hà", "Hải", "Hòa", "Hưng", "Khang",
                "Khuê", "Lâm", "Linh", "Long", "Minh", "Nam", "Nguyên", "Phát", "Phong", "Phú",
                "Quang", "Sơn", "Tâm", "Thành", "Thịnh", "Tiến", "Trí", "Vinh", "Vân", "Dương",
                "Lộc", "Ngân", "Uy", "Hiền")
#: Brands that are, or are close to, the names of well-known real firms and chains.
_AVOID = {"Hòa Phát", "Trường Hải", "Hoàng Anh", "Hưng Thịnh", "Nam Long", "Sơn Hà", "An Khang",
          "Mai Linh", "Phúc Long", "Hải Hà", "Thiên Long", "Hồng Hà", "Sao Mai", "Minh Phú",
          "Hà Đô", "Phú Long", "Kim Long", "Hưng Long", "Gia Long", "Đại Dương", "Bảo Minh",
          "Bảo Long", "Thành Công", "Tân Long", "Hoàng Long", "Minh Long", "Sơn Hải", "Nam Hà",
          "Long Hải", "Tân Phú", "Phú Thành", "Đông Hải", "Thái Sơn", "Hải Phong", "Trường Sơn"}


def brand_cores() -> list[str]:
    out = []
    for a in BRAND_FIRST:
        for b in BRAND_SECOND:
            core = f"{a} {b}"
            if a != b and core not in _AVOID:
                out.append(core)
    return out


FIRM_TYPES = (("Công ty TNHH", 5), ("Công ty Cổ phần", 4), ("Công ty TNHH MTV", 1))

#: The business line in a firm's name, by the kind of firm.
FIRM_FIELDS = {
    "software": ("Công nghệ Giáo dục", "Giải pháp Phần mềm", "Phát triển Phần mềm",
                 "Công nghệ Thông tin", "Giải pháp Giáo dục Số", "Phần mềm và Truyền thông"),
    "ca": ("Chứng thực Số", "Dịch vụ Chữ ký số", "Chứng thực Điện tử", "An ninh mạng và Chữ ký số"),
    "infrastructure": ("Thiết bị Tin học", "Thiết bị Giáo dục", "Thương mại và Công nghệ",
                       "Thiết bị Văn phòng và Tin học"),
    "training": ("Tư vấn và Đào tạo", "Đào tạo Kỹ năng Số", "Phát triển Nguồn nhân lực Giáo dục"),
    "hosting": ("Dữ liệu Số", "Điện toán Đám mây", "Hạ tầng Số", "Dịch vụ Dữ liệu"),
}


def firm_name(rng, kind: str, core: str) -> str:
    types, weights = zip(*FIRM_TYPES)
    return f"{rng.choices(types, weights)[0]} {rng.choice(FIRM_FIELDS[kind])} {core}"


def product_name(rng, service: str, core: str) -> str:
    """A brand-like product name: never a generic phrase a directive could use in passing."""
    tight = "".join(w.title() for w in slug(core, " ").split())  # "SaoKhue"
    if service == "school_management_software":
        pattern = rng.choice(("{t} School", "eSchool {c}", "{t}Edu", "SmartSchool {c}", "{t} EMS"))
    elif service == "digital_signature":
        pattern = rng.choice(("{t}-CA", "{t} Sign", "{c} eSign", "{t}CA"))
    elif service == "center_management_software":
        pattern = rng.choice(("eCenter {c}", "{t} Center", "{t} GDTX"))
    else:
        pattern = rng.choice(("{t} Connect", "Sổ liên lạc điện tử {t}", "{t} Parents"))
    return pattern.format(t=tight, c=core)


# --- schools ----------------------------------------------------------------------------------

LEVEL_PREFIX = {
    "primary": ("Trường Tiểu học",),
    "lower_secondary": ("Trường THCS",),
    "upper_secondary": ("Trường THPT",),
    "multi_level": ("Trường TH&THCS", "Trường THCS&THPT", "Trường Phổ thông Dân tộc bán trú TH&THCS"),
    "continuing_education_center": ("Trung tâm GDNN-GDTX",),
    "other": ("Trường Giáo dục chuyên biệt", "Trường Phổ thông Dân tộc nội trú"),
}


def ward_base(ward_name: str) -> str:
    """``Phường Hoàn Kiếm`` → ``Hoàn Kiếm``; ``Đặc khu Phú Quốc`` → ``Phú Quốc``."""
    for p in ("Phường ", "Xã ", "Đặc khu "):
        if ward_name.startswith(p):
            return ward_name[len(p):]
    return ward_name


def given_pool(gender: str) -> tuple[str, ...]:
    return GIVEN_MALE if gender == "M" else GIVEN_FEMALE


def middle_pool(gender: str) -> tuple[str, ...]:
    return MIDDLE_MALE if gender == "M" else MIDDLE_FEMALE
