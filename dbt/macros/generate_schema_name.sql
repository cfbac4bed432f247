{#- Schemas are named exactly as configured (staging, marts), not "<target>_staging": the warehouse has one
    target, and analysis code reads marts.<model> by that plain name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
