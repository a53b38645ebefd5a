-- One row per red flag of the filtered suppliers (marts.supplier_risk.red_flags unnested), riskiest first.
with risk as (
    select * from marts.supplier_risk
    where $ids::varchar[] is null or list_contains($ids::varchar[], supplier_id)
),

kpis as (
    select supplier_id, supplier_name, supplier_type, spend from marts.supplier_kpis
),

flags as (
    select supplier_id, risk_score, risk_band, unnest(red_flags) as red_flag from risk
)

select kpis.supplier_name, kpis.supplier_type, flags.*, kpis.spend
from flags
inner join kpis on flags.supplier_id = kpis.supplier_id
where flags.red_flag is not null and flags.red_flag <> ''
order by flags.risk_score desc, kpis.spend desc, flags.red_flag
