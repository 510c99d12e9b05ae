"""FHIR R4 data written from a case, as an EHR would hold it, for the CDS Hooks tests.

`questionnaire` answers every input in one QuestionnaireResponse whose item linkIds are the
variable names (the convention of the FHIR sheet's questionnaire rows); `record` writes the
Conditions, Observations and MedicationRequests NBCG's record rows read, for the values they
can say (others are left to the questionnaire). Generic over the workbook: a value or input
nobody wrote a record for is simply answered in the questionnaire.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

NBCG_Q = "http://example.org/fhir/Questionnaire/nbcg-bisfosfonat"
DAR = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_NO = "urn:oid:2.16.578.1.12.4.1.1.7110"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_ids = itertools.count(1)


def today(days_ago: int = 0) -> str:
    return (dt.date.today() - dt.timedelta(days=days_ago)).isoformat()


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": r} for r in resources]}


def answer(value: Any) -> dict[str, Any]:
    if value is None:
        return {"valueCoding": {"system": DAR, "code": "unknown"}}
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    return {"valueCoding": {"code": value}}


def questionnaire(case: dict[str, Any], questionnaire: str = NBCG_Q,
                  authored: str | None = None) -> dict[str, Any]:
    items = [{"linkId": name, "answer": [answer(value)]} for name, value in case.items()]
    return {"resourceType": "QuestionnaireResponse", "id": f"qr{next(_ids)}",
            "status": "completed", "questionnaire": questionnaire,
            "authored": authored or today(), "item": items}


def condition(system: str, code: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": f"c{next(_ids)}",
            "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
            "code": {"coding": [{"system": system, "code": code}]}, "recordedDate": today(400)}


def receptor(loinc: str, positive: bool) -> dict[str, Any]:
    value = "10828004" if positive else "260385009"
    return {"resourceType": "Observation", "id": f"o{next(_ids)}", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": loinc}]},
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": value}]},
            "effectiveDateTime": today(300)}


def order(atc: str) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": f"m{next(_ids)}", "status": "active",
            "intent": "order", "authoredOn": today(20),
            "medicationCodeableConcept": {"coding": [{"system": ATC, "code": atc}]}}


def record(case: dict[str, Any], norwegian: bool = False) -> dict[str, list[dict[str, Any]]]:
    """NBCG's record resources for the values the record can say."""
    conditions, observations, medications = [], [], []
    if case.get("skeletal_metastases") is True:
        conditions.append(condition(ICD10_NO, "C795") if norwegian else condition(ICD10, "C79.5"))
    status = case.get("hormone_receptor_status")
    if status == "positive":
        observations += [receptor("16112-5", True), receptor("16113-3", False)]
    elif status == "negative":
        observations += [receptor("16112-5", False), receptor("16113-3", False)]
    therapy = case.get("therapy")
    if therapy in ("chemotherapy", "endocrine"):
        medications.append(order("L01CD01" if therapy == "chemotherapy" else "L02BA01"))
    return {"conditions": conditions, "observations": observations, "medications": medications}


def prefetch(case: dict[str, Any], with_record: bool = True, norwegian: bool = False,
             answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every NBCG prefetch key: the record (when asked) and the questionnaire's answers
    (`answers`, by default the whole case)."""
    parts = record(case, norwegian) if with_record else {
        "conditions": [], "observations": [], "medications": []}
    qr = questionnaire(case if answers is None else answers)
    return {key: bundle(*found) for key, found in parts.items()} | {
        "questionnaire": bundle(qr)}


def request(prefetch: dict[str, Any], hook_instance: str = "h1") -> dict[str, Any]:
    return {"hook": "patient-view", "hookInstance": hook_instance,
            "context": {"userId": "Practitioner/1", "patientId": "p1"}, "prefetch": prefetch}
