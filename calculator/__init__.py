"""The public loan calculator: its pages (/calculator/, with CSV and Excel downloads and inline
SVG charts) and its API (/api/v1/calculator/: schedule, prepayment, revolving line, APR).

It computes on `products.engine` (through `products.engine_adapter`) and may read the catalogue
through `products.selectors` to fill in a product's terms. It stores nothing, and it must not
import applications, servicing, customers or risk.
"""
