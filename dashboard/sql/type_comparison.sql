-- Trader vs factory: each metric's mean per supplier type (and the difference) with its bootstrap interval, per category (one row per category, metric and type).
select *
from marts.type_comparison
where $category::varchar is null or category = $category::varchar
order by category, metric, supplier_type
