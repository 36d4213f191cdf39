"""Chart values the tool changes itself (inventory ValuesSite): a HelmRelease's spec.values,
an Argo CD Application's valuesObject (docs/charts-values-iac.md).

The pods keep running as the chart's ServiceAccount, so the changes are those a person
would make in the values, one stage each: prepare pins serviceAccount.name (the credential's
subject must not depend on the release name) and annotates it with the client id; switch
sets the use label beside the pod label; retire removes the pod label. A change already in
the values is not planned again, so a re-plan after each merged stage plans what is left.
"""

from __future__ import annotations

from migrate.model import names
from migrate.model.inventory import WI_USE_LABEL, SelectorUse, ValuesSite
from migrate.model.plan import ManagedIdentity, SetChartValues, Settings, ValueChange
from migrate.model.stages import PREPARE, RETIRE, SWITCH


def account(use: SelectorUse, site: ValuesSite, settings: Settings) -> str:
    """The ServiceAccount the chart's pods run as once the values are changed: the one the
    values name, or the planned name (--sa-name) that prepare pins; "" when the chart is
    told not to create one and none is named (it would be `default`)."""
    if use.service_account:
        return use.service_account
    if not chart_creates(site):
        return ""
    wanted = names.fill(settings.sa_name, {"selector": use.selector, "namespace": use.namespace})
    return names.dns_subdomain(wanted)


def changes(
    use: SelectorUse,
    site: ValuesSite,
    name: str,
    identity: ManagedIdentity,
    annotations: tuple[tuple[str, str], ...],
) -> list[SetChartValues]:
    """The value changes of each stage that the values do not have yet."""
    at = site.account_key
    prepare = [
        ValueChange((*at, "annotations", key), value)
        for key, value in annotations
        if not value or site.value(*at, "annotations", key) != value
    ]
    if site.value(*at, "name") != name:
        prepare.insert(0, ValueChange((*at, "name"), name, style="name"))
    if not chart_creates(site):  # the account is defined elsewhere: annotated by hand
        prepare = []
    use_label = (*site.label_key[:-1], WI_USE_LABEL)
    switch = [] if site.value(*use_label) == "true" else [ValueChange(use_label, "true")]
    retire = [ValueChange(site.label_key, remove=True)]
    retire += [ValueChange(key, value, style="flag") for key, value in site.retire]
    out = []
    for stage, todo in ((PREPARE, prepare), (SWITCH, switch), (RETIRE, retire)):
        if todo:
            out.append(
                SetChartValues(
                    stage, site.target, site.values_at, tuple(todo), identity, use.origins
                )
            )
    return out


def editable(use: SelectorUse) -> ValuesSite | None:
    """The use's values site when the tool changes the values itself: plain YAML, the
    namespace known, and an account the credential can name."""
    site = use.values
    if site is None or not use.namespace or not (use.service_account or chart_creates(site)):
        return None
    return site


def chart_creates(site: ValuesSite) -> bool:
    """The chart renders the ServiceAccount (serviceAccount.create is not false), so its
    annotations are values."""
    return site.value(*site.account_key, "create") != "false"
