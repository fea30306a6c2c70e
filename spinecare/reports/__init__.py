"""Reports: SVG charts, the printable PDF handout and the iCalendar home routine.

- :mod:`spinecare.reports.charts`: ``pain_chart_svg``, ``adherence_bar_svg``,
  ``zone_figure_svg`` (server-side SVG, printable in black and white, no JavaScript).
- :mod:`spinecare.reports.handout`: ``render_handout`` (PDF via the ``typst`` package).
- :mod:`spinecare.reports.calendar`: ``home_calendar`` (an ``.ics`` file, ``icalendar``).
"""
