-- What changed in one supplier's score since last month (one row per signal that moved), largest move first.
select *
from marts.supplier_score_changes
where supplier_id = $supplier_id
order by abs(delta) desc, signal
