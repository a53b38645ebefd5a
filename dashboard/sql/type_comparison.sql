-- marts.type_comparison as built.
select * from marts.type_comparison
