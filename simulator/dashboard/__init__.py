"""The sandbox dashboard: a web page served at `/` to explore, drive and demo the simulator.

Server-rendered with Jinja2 (templates/), a little plain JavaScript and CSS (static/), and
hand-drawn SVG charts; every asset ships in the package, nothing is fetched from a CDN.
The page drives the control API (`/_sim`) for every change; `views.py` adds only what
`/_sim` lacks: enrollment browsing through each vendor's `dashboard` hook, record and
status counts, and request/error rates from the journal.
"""
