"""Server-rendered pages for therapists, physicians, patients and admins.

Every page has a JSON twin: the same view answers ``Accept: application/json`` (or the
page's address with ``.json`` appended) with the data the page shows.
"""
