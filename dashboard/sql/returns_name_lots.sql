-- Whether any return in the data names the purchase order (lot) it came from, as the inspection marts judge lots by
-- it (marts.inspection_lot_facts.returns_name_lots; NULL without an inspected lot): one row.
select bool_and(returns_name_lots) as returns_name_lots
from marts.inspection_lot_facts
