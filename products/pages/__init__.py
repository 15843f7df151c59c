"""The catalogue's customer pages under /products/: browse, one product with a quote, compare,
recommendations. `views.py`, `forms.py` and `urls.py`; templates in templates/products/catalogue/.
"""
