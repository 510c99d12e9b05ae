"""The FHIR sheet as data: how each case input is read from an EHR's FHIR R4 resources.

One `FhirRow` a row of the workbook's `FHIR` sheet: which prefetched data (key and FHIR
search), which FHIRPath, which codes, and the value the row gives when it finds them. What
absence means, how old the data may be, and the question asked when the clinician must answer
belong to the variable and are written on its rows. Data only: the FHIRPath is checked by the
workbook room and run by the `fhir` room.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .sfeel import Value

ASK, UNKNOWN, VALUE = "ask", "unknown", "value"  # what absence means


@dataclass(frozen=True)
class FhirCode:
    """`system|code`; a code ending in `*` matches every code that starts with the rest
    (ATC `L01*`)."""

    system: str
    code: str

    def matches(self, system: object, code: object) -> bool:
        if system != self.system or not isinstance(code, str):
            return False
        if self.code.endswith("*"):
            return code.startswith(self.code[:-1])
        return code == self.code

    def __str__(self) -> str:
        return f"{self.system}|{self.code}"


@dataclass(frozen=True)
class MaxAge:
    """How old the data a row finds may be: `amount` days, weeks, months or years."""

    amount: int
    unit: str  # "d", "w", "m", "y"
    text: str  # as written


@dataclass(frozen=True)
class FhirRow:
    """One row of the FHIR sheet: where a value of `variable` is found in the prefetch."""

    variable: str
    prefetch: str  # the prefetch key (discovery's `prefetch` and the request's)
    query: str  # the FHIR search the EHR runs for that key ("" when another row gives it)
    path: str  # FHIRPath, evaluated on each resource of the prefetch
    codes: tuple[FhirCode, ...] = ()  # the row fires when the path finds one (or all) of these
    match_all: bool = False  # every listed code must be found (across the fresh resources)
    value: Value = None  # the value the row gives when it fires ...
    has_value: bool = False  # ... when it has one; else the value found is the answer
    absent: str = ""  # ask / unknown / value, as written on this row ("" = not written here)
    absent_value: Value = None
    max_age: MaxAge | None = None
    question: str = ""
    cell: str = ""  # the variable cell of the row
    cells: dict[str, str] = field(default_factory=dict)  # column -> cell
