-- Payments, cleaned: one row per payment; amounts in the reporting currency (USD).
-- A payment is in its purchase order's currency, converted at the month's rate of reference.fx_rates on the
-- payment date (macro fx_units_per_usd); the original amount, the currency and the rate used stay on the row.
with source as (
    select * from raw.payments
),

purchase_orders as (
    select * from raw.purchase_orders
),

priced as (
    select
        source.*,
        currency_code(purchase_orders.currency) as currency_code,
    from source
    left join purchase_orders on trim(purchase_orders.po_id) = trim(source.po_id)
),

-- the FX rule: pipelines/sql/macros.sql
converted as (
    select
        priced.*,
        fx_units_per_usd(priced.currency_code, priced.paid_on) as fx_units_per_usd,
    from priced
),

final as (
    select
        trim(payment_id) as payment_id,
        trim(po_id) as po_id,
        paid_on,
        amount / fx_units_per_usd as amount,
        currency_code as currency,
        amount as amount_original,
        fx_units_per_usd,
        coalesce(kind, 'other') as kind,
        nullif(trim(payee_name), '') as payee_name,
        channel,
        is_outside_trade_assurance(channel) as is_outside_trade_assurance,
        nullif(trim(bank_account_id), '') as bank_account_id,
    from converted
)

select * from final
