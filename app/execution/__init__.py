"""Compiled execution plans: GraphQL queries run from a plan compiled once per document.

``plan_for`` compiles (and caches) the plan of a parsed, validated document;
``PlannedExecutor`` is the execution context class that runs plans.
"""

from app.execution.executor import PlannedExecutor
from app.execution.plans import PLANS, OperationPlan, PlanCache, plan_for

__all__ = ["PLANS", "OperationPlan", "PlanCache", "PlannedExecutor", "plan_for"]
