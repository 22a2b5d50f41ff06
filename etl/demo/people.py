"""Synthetic people: common surnames and given names, 18-digit citizen ID numbers.

All of it is made up. The ID numbers have the county's region code, a birth date and a valid
ISO 7064 MOD 11-2 check digit, so they look real to a validator, but belong to nobody.
"""
from __future__ import annotations

import numpy as np

from etl.demo.timeline import to_date

# Surnames common in southern Shanxi (运城: 裴 of 闻喜, 解 and 关 of 解州, 卫, 柴, 畅, 景 …)
_SURNAMES = (
    ("王", 95), ("李", 85), ("张", 80), ("刘", 62), ("杨", 42), ("赵", 36), ("郭", 32), ("陈", 26),
    ("薛", 20), ("卫", 16), ("柴", 14), ("裴", 13), ("孙", 13), ("周", 12), ("吴", 11), ("马", 12),
    ("贾", 11), ("冯", 10), ("董", 10), ("段", 10), ("史", 9), ("田", 9), ("高", 12), ("宁", 8),
    ("席", 7), ("畅", 6), ("景", 6), ("吉", 6), ("原", 5), ("解", 6), ("关", 6), ("杜", 8),
    ("许", 7), ("徐", 8), ("孟", 7), ("胡", 8), ("姚", 7), ("范", 6), ("梁", 7), ("崔", 6),
    ("韩", 8), ("曹", 6), ("秦", 6), ("程", 6), ("黄", 5), ("朱", 6), ("宋", 6), ("任", 6),
    ("郝", 6), ("侯", 6), ("雷", 5), ("荆", 4), ("姬", 4), ("尚", 4), ("文", 4), ("苏", 5),
)
SURNAMES = np.array([s for s, _ in _SURNAMES], dtype=object)
SURNAME_P = np.array([w for _, w in _SURNAMES], dtype=float)
SURNAME_P /= SURNAME_P.sum()

MALE_CHARS = np.array(list(
    "伟强军磊勇杰涛斌超鹏辉刚明俊波亮飞峰浩宇龙江华建平国春林海东晓志文博凯鑫宁兵旭阳"
    "小永振红鹏帅晨彬昊晋鹤泽家成宏卫刚忠立新利荣福生庆瑞"), dtype=object)
FEMALE_CHARS = np.array(list(
    "芳娜敏静丽艳娟霞燕玲婷雪琳慧颖秀英华红梅莉萍倩洁晶佳欣怡悦琴兰凤云月露丹蓉瑶婧茹"), dtype=object)

# county region codes used in ID numbers for people handled by the city office
_COUNTY_CODES = np.array(["140802", "140821", "140822", "140823", "140824", "140825", "140826",
                          "140827", "140828", "140829", "140830", "140881", "140882"], dtype=object)
_COUNTY_P = np.array([92.83, 48.26, 36.20, 35.53, 31.61, 28.22, 22.69, 19.78, 28.79, 20.51,
                      34.29, 39.49, 39.26])
_COUNTY_P /= _COUNTY_P.sum()

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"), dtype=object)

# birth dates as compact text, for a window wide enough for every person generated
_BIRTH_FIRST = -11_000  # 1939-11
_BIRTH_TABLE: np.ndarray | None = None


def _birth_text(days: np.ndarray) -> np.ndarray:
    global _BIRTH_TABLE
    if _BIRTH_TABLE is None:
        n = 28_000
        _BIRTH_TABLE = np.array([to_date(_BIRTH_FIRST + i).strftime("%Y%m%d") for i in range(n)], dtype=object)
    return _BIRTH_TABLE[days - _BIRTH_FIRST]


def names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese full names (surname + one or two given characters) for each person."""
    n = len(male)
    sur = SURNAMES[rng.choice(len(SURNAMES), size=n, p=SURNAME_P)]
    c1m = MALE_CHARS[rng.integers(0, len(MALE_CHARS), n)]
    c2m = MALE_CHARS[rng.integers(0, len(MALE_CHARS), n)]
    c1f = FEMALE_CHARS[rng.integers(0, len(FEMALE_CHARS), n)]
    c2f = FEMALE_CHARS[rng.integers(0, len(FEMALE_CHARS), n)]
    two = rng.random(n) < 0.72
    c1 = np.where(male, c1m, c1f)
    c2 = np.where(male, c2m, c2f)
    given = np.where(two, c1 + c2, c1)
    return sur + given


def distinct_in_groups(rng: np.random.Generator, full: np.ndarray, groups: np.ndarray,
                       male: np.ndarray) -> np.ndarray:
    """Redraw names that repeat inside a group (co-defendants of one case have distinct names)."""
    full = full.copy()
    for _ in range(20):
        order = np.lexsort((full.astype(str), groups))
        g, f = groups[order], full[order]
        dup = np.zeros(len(full), dtype=bool)
        dup[order[1:]] = (g[1:] == g[:-1]) & (f[1:] == f[:-1])
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        full[idx] = names(rng, male[idx])
    return full


def id_numbers(rng: np.random.Generator, region: np.ndarray, birth_days: np.ndarray,
               male: np.ndarray) -> np.ndarray:
    """18-digit citizen ID numbers: region (6) + birth date (8) + order (3) + check digit."""
    n = len(region)
    if n == 0:
        return np.zeros(0, dtype=object)
    order = rng.integers(0, 500, n) * 2 + np.where(male, 1, 0)  # odd = male
    order = np.where(order == 0, 2, order)
    body = region.astype(object) + _birth_text(birth_days) + np.char.zfill(order.astype(str), 3).astype(object)
    digits = np.frombuffer("".join(body.tolist()).encode("ascii"), dtype=np.uint8).reshape(n, 17) - 48
    check = _ID_CHECK[(digits.astype(np.int64) @ _ID_WEIGHTS) % 11]
    return body + check


def region_for(rng: np.random.Generator, unit: str, n: int) -> np.ndarray:
    """The ID region code of people handled by a unit: its county, or any county for the city office."""
    if unit == "140800":
        return _COUNTY_CODES[rng.choice(len(_COUNTY_CODES), size=n, p=_COUNTY_P)]
    return np.full(n, unit, dtype=object)


def valid_id(number: str) -> bool:
    """ISO 7064 MOD 11-2 check (used by the tests)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17]


def masked(name: str) -> str:
    """张三丰 -> 张某某: how clue summaries mention a person."""
    return name[0] + "某某"
