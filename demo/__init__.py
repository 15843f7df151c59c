"""Demo data: a catalogue, demo users and customers, risk data and applications in every state.

The top of the import graph: it may import every app, and nothing imports it (not the kernel,
not a business app). `python manage.py seed_demo` (run by `make run`) puts it in a database.
"""
