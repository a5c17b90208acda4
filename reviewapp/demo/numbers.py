"""Dates and numbers that look real: grant numbers by year, application series, weekdays."""
from __future__ import annotations

import datetime as dt
import itertools
import random

# First utility patent number granted in each year (approximately).
GRANT_NUMBERS = {
    2008: 7313829, 2009: 7472815, 2010: 7640598, 2011: 7861317, 2012: 8087094,
    2013: 8341762, 2014: 8621662, 2015: 8925114, 2016: 9226437, 2017: 9532496,
    2018: 9855637, 2019: 10165721, 2020: 10524025, 2021: 10881042, 2022: 11212263,
    2023: 11540428, 2024: 11856272, 2025: 12185601, 2026: 12520000, 2027: 12860000,
}
# Application series codes by filing date: (first day, code).
SERIES = [
    (dt.date(2005, 1, 1), "11"), (dt.date(2008, 1, 1), "12"), (dt.date(2011, 7, 1), "13"),
    (dt.date(2014, 2, 1), "14"), (dt.date(2016, 1, 1), "15"), (dt.date(2018, 4, 1), "16"),
    (dt.date(2020, 2, 1), "17"), (dt.date(2022, 2, 1), "18"), (dt.date(2024, 10, 1), "19"),
    (dt.date(2028, 1, 1), "20"),
]
PROVISIONAL_SERIES = [
    (dt.date(2000, 1, 1), "60"), (dt.date(2007, 6, 1), "61"), (dt.date(2014, 1, 1), "62"),
    (dt.date(2020, 5, 1), "63"), (dt.date(2030, 1, 1), "64"),
]
TUESDAY, THURSDAY = 1, 3


def on_weekday(day: dt.date, weekday: int, forward: bool = True) -> dt.date:
    """Move `day` to the nearest `weekday` (grants issue on Tuesdays, applications Thursdays)."""
    shift = (weekday - day.weekday()) % 7
    return day + dt.timedelta(days=shift) if forward else day - dt.timedelta(days=(7 - shift) % 7)


def serial_in(day: dt.date, table: list[tuple[dt.date, str]], rng: random.Random) -> str:
    """Return "18/123,456": the series of `day` and a serial growing through the series."""
    for (start, code), (end, _next) in itertools.pairwise(table):
        if start <= day < end:
            fraction = (day - start).days / (end - start).days
            serial = min(int(fraction * 990_000) + rng.randint(1, 9_000), 999_999)
            return f"{code}/{serial // 1000:03d},{serial % 1000:03d}"
    raise ValueError(f"no application series for {day}")


class Numbers:
    """Publication numbers that look real and never repeat within the data set."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def application(self, published: dt.date, rng: random.Random) -> tuple[str, str]:
        """Return (publication number, doc number) of an application published that day."""
        fraction = (published.timetuple().tm_yday - 1) / 366
        while True:
            serial = 1_000 + int(fraction * 370_000) + rng.randint(0, 5_000)
            doc_number = f"{published.year}{serial:07d}"
            if self.claim(f"US{doc_number}A1"):
                return f"US{doc_number}A1", doc_number

    def grant(self, granted: dt.date, kind: str, rng: random.Random) -> tuple[str, str]:
        """Return (publication number, zero-padded doc number) of a grant of that day."""
        start, end = GRANT_NUMBERS[granted.year], GRANT_NUMBERS[granted.year + 1]
        fraction = (granted.timetuple().tm_yday - 1) / 366
        while True:
            number = min(start + int(fraction * (end - start)) + rng.randint(0, 6_000), end - 1)
            if self.claim(f"US{number}{kind}"):
                return f"US{number}{kind}", f"{number:08d}"

    def claim(self, number: str) -> bool:
        if number in self.used:
            return False
        self.used.add(number)
        return True


