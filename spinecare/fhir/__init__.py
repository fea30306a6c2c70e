"""FHIR R4 <-> record: Bundles and single resources in (:mod:`spinecare.fhir.reader`)."""
