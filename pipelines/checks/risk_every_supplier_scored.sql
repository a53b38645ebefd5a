-- Every supplier in the file has a score at the as-of date: the score knows a supplier from its onboarding date or
-- first purchase order, and one with neither (being vetted before its first order) from the as-of date itself
-- (models/risk_panel.py), so the Portfolio's bands always add up to its Suppliers tile. Returns the suppliers missing.
select suppliers.supplier_id, suppliers.supplier_name, suppliers.onboarded_on
from staging.suppliers as suppliers
anti join marts.supplier_risk_score as score on score.supplier_id = suppliers.supplier_id
