-- The current risk score of the filtered suppliers (one row per supplier), riskiest first.
select *
from marts.supplier_risk_score
where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
order by risk_score desc, supplier_id
