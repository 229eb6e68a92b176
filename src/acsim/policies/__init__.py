"""Policy families, one module each, plugged into the engine by :mod:`acsim.policies.registry`.

Services built from a scenario's sections: ``staffing`` (calendar, caseloads), ``provider``,
``meetings`` (schedules, extra and group meetings, the lift), ``caseworkers`` (their effects),
``programmes`` (the shared programme state) and ``screening`` (tracks). Kinds of
``[[programmes]]`` entry: ``activation``, ``internship``, ``wage_subsidy``, ``course`` and
``job_broker``. :mod:`acsim.policies.base` is the protocol every runtime policy follows.
"""
