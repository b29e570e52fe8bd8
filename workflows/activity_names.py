"""Activity names: the one vocabulary shared by the workflow (which calls them) and the worker (which runs them).

The workflow refers to activities by these names only, so it never imports database or provider code.
"""

LOAD_GENERATION_PLAN = "load_generation_plan"
TRAIN_MODEL = "train_model"
GENERATE_VARIANT = "generate_variant"
MARK_VARIANT_FAILED = "mark_variant_failed"
RECORD_JOB_UPDATE = "record_job_update"
FINALIZE_CALENDAR = "finalize_calendar"
DELETE_VARIANTS = "delete_variants"
RENDER_CALENDAR = "render_calendar"
