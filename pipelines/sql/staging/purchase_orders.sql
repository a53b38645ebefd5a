-- Purchase orders, cleaned: one row per purchase order line; prices in the reporting currency (USD).
-- A non-USD price is converted at the month's rate of reference.fx_rates (units of the currency per USD) on the
-- order date (macro fx_units_per_usd); the original price, its currency and the rate used stay on the row.
-- Validation rejected every row whose currency has no rate, so a missing rate here is a bug caught by
-- checks/fx_rates_found.sql.
with source as (
    select * from raw.purchase_orders
),

priced as (
    select
        *,
        currency_code(currency) as currency_code,
    from source
),

-- the FX rule: pipelines/sql/macros.sql
converted as (
    select
        priced.*,
        fx_units_per_usd(priced.currency_code, priced.ordered_on) as fx_units_per_usd,
    from priced
),

final as (
    select
        trim(po_id) as po_id,
        trim(supplier_id) as supplier_id,
        trim(sku) as sku,
        ordered_on,
        quantity,
        unit_price / fx_units_per_usd as unit_price,
        quantity * unit_price / fx_units_per_usd as order_value,
        currency_code as currency,
        unit_price as unit_price_original,
        fx_units_per_usd,
        coalesce(incoterm, 'FOB') as incoterm,
        promised_ship_on,
        sample_approved_on,
        nullif(trim(pi_entity_name), '') as pi_entity_name,
        payment_channel,
        is_outside_trade_assurance(payment_channel) as is_outside_trade_assurance,
        agreed_aql_major,
        coalesce(balance_due_on, promised_ship_on) as balance_due_on,
        balance_due_on is null as is_balance_due_on_assumed,
    from converted
)

select * from final
