-- Every return and every cost of poor quality is attributed once: marts.return_costs and marts.quality_costs are the
-- one place a return or a cost is given its supplier (read by the KPIs, the inspection marts, the trader-vs-factory
-- step, the risk score and the incident model), so a second row would count it twice everywhere. A reference table
-- with two rows for one channel (e.g. a newer marketplace_fees row appended beside the old one) is what would do it:
-- returns the offending keys and the reference rows behind them.
select 'marts.return_costs' as table_name, return_id as key_value, count(*) as n
from marts.return_costs group by return_id having count(*) > 1
union all
select 'marts.quality_costs', cost_id, count(*) from marts.quality_costs group by cost_id having count(*) > 1
union all
select 'reference.marketplace_fees (one row per channel)', channel, count(*)
from reference.marketplace_fees group by channel having count(*) > 1
union all
select 'reference.return_reasons (one row per reason)', reason, count(*)
from reference.return_reasons group by reason having count(*) > 1
