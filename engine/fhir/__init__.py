"""FHIR R4 data in, cards out: the workbook's FHIR sheet applied to an EHR's prefetch.

`resources` walks a prefetch and dates each resource, `mapping` turns it into a case (or the
questions that must be asked first: absence is never "no"), `cards` says the answer as CDS
Hooks 2.0 cards, `discovery` lists the services. Nothing here knows HTTP (`serve/cds.py` does).
"""
