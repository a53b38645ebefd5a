-- Shared macros, one value or table per call (pipelines/macros.py create_macros): those reading reference tables
-- are created before the models that call them, those reading marts after the models (DuckDB binds a macro's tables
-- when it is created).
-- The FX rule, defined once: staging converts with it, and validation and the marketplace adapters run these same
-- macros through pipelines/fx.py (a row that validates converts; an export converts as a build would). A blank
-- currency is the reporting currency (USD); an amount converts at the month's rate of reference.fx_rates (units of
-- the currency per USD) of its date; USD itself at 1. No rate is NULL: validation rejected such rows, checks/fx_rates_found.sql catches a bug.
create or replace macro currency_code(currency) as
    upper(coalesce(nullif(trim(currency), ''), 'USD'));

create or replace macro fx_units_per_usd(code, on_date) as
    case
        when code = 'USD' then 1.0
        else (
            select fx_rates.units_per_usd
            from reference.fx_rates as fx_rates
            where fx_rates.currency = code and fx_rates.month = strftime(on_date, '%Y-%m')
        )
    end;

-- A sales or return channel as the warehouse compares it, defined once: trimmed and lower-case, a blank one NULL
-- (staging.sales, staging.returns and staging.returns_coverage read it).
create or replace macro channel_key(channel) as
    nullif(lower(trim(channel)), '');

-- A customs entry number as entries are matched, defined once: upper case, letters and digits only
-- (ABC-1234567-8 = abc12345678), a blank one NULL. pipelines/steps/landed_cost.py's entry_ref is the same rule on a
-- frame (tests/pipelines/test_ieepa_entries.py holds them equal).
create or replace macro entry_ref_of(entry_number) as
    nullif(regexp_replace(upper(trim(entry_number)), '[^A-Z0-9]', '', 'g'), '');

-- The HTS numbers an AD/CVD order names (reference.adcvd_orders.hs_codes, separated by spaces) as their digits, a
-- blank one left out.
create or replace macro order_hs_digits(order_hs_codes) as
    list_filter(
        list_transform(string_split(order_hs_codes, ' '), lambda code: regexp_replace(code, '[^0-9]', '', 'g')),
        lambda digits: digits <> ''
    );

-- A product's HS code under an AD/CVD order, defined once: its digits start with one of the order's numbers (the
-- product's line is within the order's). marts.adcvd_exposure and the What-if flag products by it.
create or replace macro hs_under_order(hs_digits, order_hs_codes) as
    coalesce(list_bool_or(list_transform(
        order_hs_digits(order_hs_codes), lambda digits: starts_with(hs_digits, digits)
    )), false);

-- A product's HS code of 6 or 8 digits that a longer number starts with (9404.21.00 holds 9404.21.0010), defined
-- once: only the goods can tell which of its longer lines they are. The AD/CVD rule below and the data check
-- landed_cost_codes_less_specific (duty rows the table prices apart) use it.
create or replace macro hs_code_holds(hs_digits, longer_digits) as
    length(coalesce(hs_digits, '')) >= 6
    and length(longer_digits) > length(hs_digits)
    and starts_with(longer_digits, hs_digits);

-- A product's HS code that may be under an AD/CVD order: under it (hs_under_order), or a code one of the order's
-- longer numbers starts with (hs_code_holds): only the goods, against the written scope, can tell. A product without
-- a code is under none.
create or replace macro hs_may_be_under_order(hs_digits, order_hs_codes) as
    coalesce(list_bool_or(list_transform(
        order_hs_digits(order_hs_codes),
        lambda digits: starts_with(hs_digits, digits) or hs_code_holds(hs_digits, digits)
    )), false);

-- Paid outside Trade Assurance, defined once: a channel other than trade_assurance, a blank one included.
-- staging.payments (per payment) and staging.purchase_orders (the order's agreed channel) carry it; the score reads
-- the first, the incident model the second.
create or replace macro is_outside_trade_assurance(channel) as
    coalesce(channel, 'other') <> 'trade_assurance';

-- The on-time rate, defined once: the share of resolved orders (marts.po_status.is_resolved) whose first shipment
-- left by the promise plus tolerance (is_on_time). An aggregate: marts.supplier_kpis per supplier, the trader-vs-
-- factory comparison (pipelines/steps/type_comparison.py) per supplier and category and per chosen months.
create or replace macro on_time_rate_of(is_on_time, is_resolved) as
    avg(case when is_on_time then 1.0 else 0.0 end) filter (where is_resolved);

-- The defect-return rate, defined once: defect-coded units returned per unit sold; NULL when nothing was sold.
create or replace macro defect_return_rate_of(defect_units, units_sold) as
    defect_units / nullif(units_sold, 0);

-- A cost per unit sold, defined once: its supplier-caused returns part (marts.margin_leakage_wide's
-- supplier_returns_cost) over the units sold where returns are recorded (staging.sales.returns_recorded: a channel
-- whose returns were never imported would dilute it), the rest over every unit sold; the returns part over every unit
-- when none was sold where returns are recorded. NULL when nothing was sold. Applied to sums: the what-if's
-- quality cost per unit (dashboard/sql/whatif_suppliers.sql) and the trader-vs-factory leakage per unit sold.
create or replace macro per_unit_sold_of(cost, returns_cost, units_sold, units_sold_returns_recorded) as
    (cost - returns_cost) / nullif(units_sold, 0)
        + coalesce(returns_cost / nullif(units_sold_returns_recorded, 0), returns_cost / nullif(units_sold, 0));

-- The money rules of margin leakage, defined once: marts.margin_leakage_wide applies them per supplier, SKU and
-- month, marts.margin_leakage_by_channel per sales channel too.
-- Goods at a landed cost per unit, rounded to cents once on the total; 0 for no units.
create or replace macro cogs_at(units, cost_per_unit) as
    case when units = 0 then 0 else round(units * cost_per_unit, 2) end;

-- Planned contribution: revenue less the goods at their quoted landed cost and the marketplace fees.
create or replace macro planned_contribution_of(gross_revenue, quoted_cogs, marketplace_fees) as
    gross_revenue - quoted_cogs - marketplace_fees;

-- Landed cost overrun: the goods at their actual landed cost above their quoted one (a leakage, so positive).
create or replace macro landed_cost_overrun_of(actual_cogs, quoted_cogs) as
    actual_cogs - quoted_cogs;

-- The AQL an inspection is judged at, defined once: the one it gives, else reference.inspection_settings' default
-- for the severity ('critical', 'major' or 'minor'). marts.inspection_lot_facts and the risk score's inspections
-- (pipelines/loaders.py) read it, so a PSI that gives no AQL is judged at the same AQL everywhere.
create or replace macro judged_aql(aql, severity) as
    coalesce(aql, (
        select cast(settings.value as double)
        from reference.inspection_settings as settings
        where settings.setting = 'default_aql_' || severity
    ));

-- The dashboard's "last month": per supplier, its latest month-end score snapshot (marts.supplier_risk_history)
-- dated before the current score (marts.supplier_risk_score, as of the build) and, when `before` is given (the
-- weekly digest's window start), on or before it; no row for a supplier without one. Biggest movers, new red flags
-- and the scorecard compare against it; without `before` it is the month end marts.supplier_score_changes reports as
-- `since` (tests/dashboard/test_queries_mid_month.py). Reads marts, so the build creates it after the models.
create or replace macro score_snapshot_before(before) as table
    select history.*
    from marts.supplier_risk_history as history
    inner join marts.supplier_risk_score as current_score on history.supplier_id = current_score.supplier_id
    where history.as_of < current_score.as_of and (before::date is null or history.as_of <= before::date)
    qualify row_number() over (partition by history.supplier_id order by history.as_of desc) = 1;

-- The customs entries of the shipments in the dashboard's scope (the suppliers `ids`, one supplier, one SKU; NULL
-- for all): their entry_ref. The Costs page's entry summaries and IEEPA entries list these, and those on no
-- shipment only when nothing is filtered. Reads marts, so the build creates it after the models.
create or replace macro entries_in_scope(ids, one_supplier, one_sku) as table
    select distinct shipments.entry_ref
    from marts.landed_cost_shipment as shipments
    where shipments.entry_ref is not null
        and (ids::varchar[] is null or list_contains(ids::varchar[], shipments.supplier_id))
        and (one_supplier::varchar is null or shipments.supplier_id = one_supplier::varchar)
        and (one_sku::varchar is null or shipments.sku = one_sku::varchar);
