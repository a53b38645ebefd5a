-- Every payment has a kind: one its row gives, or one staging.payments read from the amounts. Returns the payments
-- left without one (reference.kpi_settings has no paid_in_full_tolerance_pct to read them by).
select payment_id, po_id, paid_on
from staging.payments
where kind is null
