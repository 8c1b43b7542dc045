"""Each escalation technique asked of the policy evaluator, need by need, for one principal.

Candidates come from the resource patterns of the principal's own Allow statements (and, for
``sts:AssumeRole``, from the trust policies that name the principal or its account), so a
principal is never compared with every other one; each candidate is then decided exactly.

When the view holds one account of a larger graph, the roles of *other* accounts a principal
may assume are found through the view's ``foreign`` lookup by whom their trust policies name
(identity kind ``trusts``: the principal's ARN, its account, ``*``); the lookup records each
question, so a change to such a role derives the caller's account again. Such a role's own
policies are read (and recorded) only when an edge reaches it, to decide whether it is an
administrator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from awsgraph.analysis.common import ArnIndex, arn_of, dicts, mapping, tags_of
from awsgraph.analysis.identity import ARN, INLINE_POLICY_TYPES, KEY, POLICY_OWNER, TRUSTS, trust_key
from awsgraph.analysis.privesc_actors import Actor, ScpProvider, account_of, build_actors
from awsgraph.analysis.view import GraphView, Record
from awsgraph.analysis.workload_roles import instance_profile_of
from awsgraph.iam import actions as action_table
from awsgraph.iam.evaluate import Decision, evaluate
from awsgraph.iam.patterns import Unresolved, substitute
from awsgraph.iam.policy import Policy, Statement, compile_policy, load_document
from awsgraph.iam.techniques import ADMIN_POLICY_ARN, TECHNIQUES, Technique
from awsgraph.iam.whocan import Directory, Rec

ALLOW_ALL = compile_policy({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "granted by the technique")
MAX_PROBES = 16  # concrete resource names tried for a "new" resource, per action
IAM_SOURCE_TYPES = ("aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_policy", "aws_iam_user_policy",
                    "aws_iam_group_policy", "aws_iam_role_policy")
Found = tuple[Actor, Technique, Decision, tuple[str, ...]]  # target, technique, decisive answer, through what


class Checks:
    def __init__(self, view: GraphView, scps_for_account: ScpProvider) -> None:
        self.view = view
        self.scps_for_account = scps_for_account
        self._scps: dict[str, list[list[Policy]] | None] = {}
        self._decided: dict[tuple[Any, ...], Decision] = {}
        self._shapes: dict[tuple[str, str], tuple[tuple[Statement, ...] | None, bool]] = {}
        self._account_trusts: dict[str, Policy] = {}
        self._tags: dict[tuple[str, str], dict[str, str]] = {}
        self._every: dict[int, list[Record]] = {}
        self._workload_groups: dict[tuple[str, str], list[tuple[Actor, list[tuple[Record, str]]]]] = {}
        self.directory = Directory(Rec(r.key, r.type, r.props, r.raw or {}) for r in view.entities(*IAM_SOURCE_TYPES))
        self.actors = build_actors(view, self.directory)
        self.users = ArnIndex(a.rec for a in self.actors.values() if a.kind == "user")
        self.roles = ArnIndex(a.rec for a in self.actors.values() if a.kind == "role" and not a.service_linked)
        self.groups = ArnIndex(view.entities("aws_iam_group"))
        self.group_arn = {name: arn_of(Record(g.key, g.type, dict(g.props), dict(g.raw))) or g.key
                          for name, g in self.directory.groups.items()}
        self.by_key = {a.rec.key: a for a in self.actors.values()}
        self.functions = ArnIndex(view.entities("aws_lambda_function"))
        self.instances = ArnIndex(view.entities("aws_instance"))
        self.role_by_profile: dict[str, Actor] = {}
        for a in self.actors.values():
            for p in a.profiles:
                self.role_by_profile[p] = a
        # functions and instances that run as a known role: key -> (ARN, account, role)
        self.workloads: dict[str, tuple[str, str, Actor]] = {}
        for rec in view.entities("aws_lambda_function", "aws_instance"):
            arn = arn_of(rec)
            role = self.role_of_function(rec) if rec.type == "aws_lambda_function" else self.role_of_instance(rec)
            if arn and role is not None:
                self.workloads[rec.key] = (arn, account_of(rec, arn, view), role)
        self.plain_trust: dict[str, frozenset[str]] = {}  # role ARN -> accounts its trust names, and only that
        self.trust_index = self._index_trusts()
        self._service_roles: dict[str, set[str]] = {}
        self._patterns: dict[tuple[str, str], list[str]] = {}
        self._admin: dict[str, Decision] = {}
        self.foreign: dict[str, Actor] = {}  # roles of other accounts found through trust lookups
        self._trusting: dict[str, list[Actor]] = {}

    # -- evaluation --------------------------------------------------------------------
    def scps(self, account: str) -> list[list[Policy]] | None:
        """The account's SCP levels from the provider, asked once and parsed once."""
        if account not in self._scps:
            levels = self.scps_for_account(account)
            self._scps[account] = None if levels is None else [
                [compile_policy(doc, f"scp[{i}][{j}]") for j, doc in enumerate(level)]
                for i, level in enumerate(levels)]
        return self._scps[account]

    def decide_each(self, a: Actor, action: str, resource: str, context: Mapping[str, str] | None = None, *,
                    target: Record | None = None, resource_policy: Policy | None = None,
                    resource_account: str | None = None) -> Decision:
        """``decide`` for one of many resources asked the same question, answered from a cache.

        Two resources get the same answer when the same statements (identity, boundary, SCPs)
        cover them, under the same resource policy object, in the same account, with the same
        tags where a condition reads them: the evaluator is asked once per such signature.
        ``target``'s tags become condition keys (:meth:`resource_tags`).
        """
        shape = self._shapes.get((a.arn, action))
        if shape is None:
            levels = self.scps(a.account) or []
            policies = [*a.policies, *([a.boundary] if a.boundary else []), *(p for lv in levels for p in lv)]
            covering = [st for pol in policies for st in pol.statements if st.matches_action(action)]
            named = tuple(st for st in covering
                          if not (st.resources is None or (not st.not_resource and st.resources == ("*",))))
            variable = any("${" in r for st in named for r in st.resources or ())
            shape = self._shapes[(a.arn, action)] = (
                None if variable else named, any(_reads_resource_tags(st.condition) for st in covering))
        patterned, reads_tags = shape
        full = context or {}
        if reads_tags and target is not None:
            full = {**full, **self.resource_tags(target, action)}
        if patterned is None:  # patterns with policy variables: no safe signature
            return self.decide(a, action, resource, context=full, resource_policy=resource_policy,
                               resource_account=resource_account)
        sig = tuple(i for i, st in enumerate(patterned) if st.matches_resource(resource, None)) if patterned else ()
        key = (a.arn, action, tuple(sorted(full.items())) if full else (), sig, id(resource_policy),
               resource_account or _arn_account(resource))
        found = self._decided.get(key)
        if found is None:
            found = self._decided[key] = self.decide(a, action, resource, context=full,
                                                     resource_policy=resource_policy,
                                                     resource_account=resource_account)
        return found

    def same_for_every_resource(self, a: Actor, action: str) -> bool:
        """Whether every statement covering the action names ``Resource: *`` and reads no tag."""
        if (a.arn, action) not in self._shapes:
            self.decide_each(a, action, "*")  # fills in the shape (and answers for "*")
        named, reads_tags = self._shapes[(a.arn, action)]
        return named == () and not reads_tags

    def resource_tags(self, rec: Record, action: str) -> dict[str, str]:
        """The target's collected tags as condition keys (``aws:ResourceTag/k`` and the action's
        service's own ``<svc>:ResourceTag/k``): ABAC conditions then decide instead of staying open.
        Tags the resource does not have stay unknown (an absent key is not asserted)."""
        service = action.split(":", 1)[0].lower()
        key = (rec.key, service)
        found = self._tags.get(key)
        if found is None:
            found = {}
            for k, v in tags_of(rec).items():
                found[f"aws:ResourceTag/{k}"] = v
                found[f"{service}:ResourceTag/{k}"] = v
            self._tags[key] = found
        return found

    def account_trust(self, account: str) -> Policy:
        """A trust policy that names only ``account``: what a plain account trust is to its callers."""
        found = self._account_trusts.get(account)
        if found is None:
            found = self._account_trusts[account] = compile_policy({"Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                 "Action": "sts:AssumeRole"}]}, "trust")
        return found

    def decide(self, a: Actor, action: str, resource: str, *, policies: list[Policy] | None = None,
               resource_policy: Any = None, resource_account: str | None = None,
               context: Mapping[str, Any] | None = None) -> Decision:
        ctx = dict(a.context)
        ctx.update(context or {})
        return evaluate(action, resource, identity_policies=a.policies if policies is None else policies,
                        resource_policy=resource_policy, principal_arn=a.arn, resource_account=resource_account,
                        boundary=a.boundary, scps=self.scps(a.account), context=ctx)

    def admin(self, a: Actor, extra: list[Policy] | None = None) -> Decision:
        """Whether the actor (with ``extra`` policies granted) may do ``*`` on ``*``."""
        if extra is None:
            if a.arn not in self._admin:
                self._admin[a.arn] = self.decide(a, "*", "*")
            return self._admin[a.arn]
        return self.decide(a, "*", "*", policies=a.policies + extra)

    def patterns(self, a: Actor, action: str) -> list[str]:
        """Resource patterns of the actor's Allow statements that cover ``action``."""
        key = (a.arn, action)
        found = self._patterns.get(key)
        if found is None:
            found = []
            for pol in a.policies:
                for st in pol.statements:
                    if st.allow and st.matches_action(action):
                        found += ["*"] if st.resources is None or st.not_resource else list(st.resources)
            found = self._patterns[key] = list(dict.fromkeys(found))
        return found

    def candidates(self, a: Actor, action: str, index: ArnIndex) -> list[Record]:
        pats = self.patterns(a, action)
        if not pats:
            return []
        if "*" in pats:
            every = self._every.get(id(index))
            if every is None:
                every = self._every[id(index)] = [r for svc in index.services() for r in index.by_service(svc)]
            return every
        seen: dict[str, Record] = {}
        for p in pats:
            for _arn, rec in index.match(p, a.context):
                seen[rec.key] = rec
        return list(seen.values())

    def probe(self, a: Actor, action: str) -> Decision | None:
        """Whether the actor may do ``action`` on some resource it names itself (the best answer)."""
        pats = self.patterns(a, action)
        if not pats:
            return None
        probes: list[str] = []
        for tpl in action_table.resource_templates(action):
            probes.append(action_table.fill_template(tpl, account=a.account))
        for p in pats:
            if p == "*":
                continue
            try:
                concrete = substitute(p, a.context)
            except Unresolved:
                continue
            probes.append(concrete.replace("*", "x").replace("?", "x"))
        if not probes:
            probes = ["*"]
        best: Decision | None = None
        for r in list(dict.fromkeys(probes))[:MAX_PROBES]:
            d = self.decide(a, action, r)
            if d.allowed and not d.conditional:
                return d
            if d.allowed and best is None:
                best = d
        return best

    # -- indexes -----------------------------------------------------------------------
    def _index_trusts(self) -> dict[str, list[Actor]]:
        """Roles by who their trust policy names: an ARN, ``acct:<id>`` or ``*``."""
        out: dict[str, list[Actor]] = defaultdict(list)
        for role in self.actors.values():
            if role.kind != "role" or role.service_linked or role.trust is None:
                continue
            keys: set[str] = set()
            plain = _plain_account_trust(role.trust)
            if plain is not None:
                self.plain_trust[role.arn] = plain
            for st in role.trust.statements:
                if not st.allow or st.principals is None:
                    continue
                if st.not_principal:
                    keys.add("*")
                    continue
                for ptype, entries in st.principals.items():
                    if ptype.lower() != "aws":
                        continue
                    for e in entries:
                        keys.add(_trust_key(e))
            for k in keys:
                out[k].append(role)
        return out

    # -- other accounts ------------------------------------------------------------------
    def trusting_elsewhere(self, who: str) -> list[Actor]:
        """Roles of other accounts whose trust policy names ``who`` (a :func:`trust_key`)."""
        found = self._trusting.get(who)
        if found is None:
            found = []
            for rec in self.view.elsewhere(TRUSTS, who):
                if rec.type != "aws_iam_role":
                    continue
                role = self.foreign_role(rec)
                if role is not None:
                    found.append(role)
            self._trusting[who] = found
        return found

    def foreign_role(self, rec: Record) -> Actor | None:
        """A role of another account as an assume-role target: its trust, not yet its policies."""
        arn = arn_of(rec)
        if not arn:
            return None
        got = self.foreign.get(arn)
        if got is None:
            full = self.view.with_raw(rec)
            got = build_actors(GraphView([full]), Directory([Rec(full.key, full.type, full.props, full.raw)])).get(arn)
            if got is None or got.service_linked or got.trust is None:
                return None
            plain = _plain_account_trust(got.trust)
            if plain is not None:
                self.plain_trust[arn] = plain
            self.foreign[arn] = got
        return got

    def foreign_admin(self, role: Actor) -> Decision:
        """Whether a role of another account is an administrator: its own policies (managed,
        inline, boundary, read through the lookup) under its own account's SCPs."""
        found = self._admin.get(role.arn)
        if found is not None:
            return found
        related = [role.rec]
        raw = role.rec.raw or {}
        boundary = mapping(raw.get("PermissionsBoundary")).get("PermissionsBoundaryArn")
        for parn in [str(p.get("PolicyArn")) for p in dicts(raw.get("AttachedManagedPolicies"))] + (
                [str(boundary)] if boundary else []):
            # an AWS-managed policy is stored once per account that uses it: the role's account's copy
            name = f"{parn}|{role.account}" if ":iam::aws:policy/" in parn else parn
            hits = [r for r in (self.view.find(KEY, name) or self.view.find(ARN, parn)) if r.type == "aws_iam_policy"]
            if hits:
                related.append(self.view.with_raw(hits[0]))
        related += [self.view.with_raw(r) for r in self.view.elsewhere(POLICY_OWNER, role.arn)
                    if r.type in INLINE_POLICY_TYPES]
        directory = Directory(Rec(r.key, r.type, r.props, r.raw or {}) for r in related)
        full = build_actors(GraphView(related), directory).get(role.arn)
        found = self._admin[role.arn] = self.decide(full, "*", "*") if full is not None else Decision("implicit_deny")
        return found

    def service_roles(self, service: str) -> set[str]:
        """ARNs of the roles whose trust policy lets ``service`` assume them."""
        found = self._service_roles.get(service)
        if found is None:
            found = set()
            for role in self.actors.values():
                if role.kind != "role" or role.service_linked or role.trust is None:
                    continue
                if not _mentions_service(role.trust, service):
                    continue
                d = evaluate("sts:AssumeRole", role.arn, resource_policy=role.trust, principal_arn=service,
                             resource_account=role.account)
                if d.allowed:
                    found.add(role.arn)
            self._service_roles[service] = found
        return found

    def role_of_function(self, rec: Record) -> Actor | None:
        role = (rec.raw or {}).get("Role") or rec.props.get("role")
        return self.actors.get(str(role)) if role else None

    def role_of_instance(self, rec: Record) -> Actor | None:
        profile = instance_profile_of(rec)
        return self.role_by_profile.get(profile) if profile else None

    # -- techniques --------------------------------------------------------------------
    def edges_of(self, a: Actor) -> Iterator[Found]:
        """(target, technique, decisive answer, via) for every way the actor escalates.

        A principal that can certainly make itself an administrator gets only those edges: like
        an administrator, it can do everything else once it has."""
        own = list(self._self_edges(a))
        yield from own
        if any(not d.conditional for _t, _tech, d, _via in own):
            return
        yield from self._takeover_edges(a)
        yield from self._passrole_edges(a)
        yield from self._existing_edges(a)

    def _self_edges(self, a: Actor) -> Iterator[Found]:
        grant = self.admin(a, [ALLOW_ALL])  # what granting itself anything would make it
        for t in TECHNIQUES:
            if t.kind != "self" or t.principal not in ("any", a.kind):
                continue
            need = t.needs[0]
            ctx = {"iam:PolicyARN": ADMIN_POLICY_ARN} if "Attach" in need.action else None
            if need.on == "self":
                if grant.allowed:
                    d = self.decide(a, need.action, a.arn, context=ctx)
                    if d.allowed:
                        yield a, t, _both(d, grant), ()
            elif need.on == "own-group":
                if grant.allowed:
                    for g in a.groups:
                        garn = self.group_arn.get(g, "")
                        if not garn:
                            continue
                        d = self.decide(a, need.action, garn, context=ctx)
                        if d.allowed:
                            yield a, t, _both(d, grant), (garn,)
            elif need.on == "attached-policy":
                for parn in a.attached:
                    if t.id == "iam-create-policy-version":
                        if not grant.allowed:
                            break
                        d = self.decide(a, need.action, parn)
                        if d.allowed:
                            yield a, t, _both(d, grant), (parn,)
                    else:
                        after = self._older_version_admin(a, parn)
                        if after is not None:
                            d = self.decide(a, need.action, parn)
                            if d.allowed:
                                yield a, t, _both(d, after), (parn,)
            elif need.on == "other-group":
                for rec in self.candidates(a, need.action, self.groups):
                    gname = str((rec.raw or {}).get("GroupName") or rec.props.get("name") or "")
                    garn = arn_of(rec) or rec.key
                    if gname in a.groups or account_of(rec, garn, self.view) != a.account:
                        continue
                    d = self.decide(a, need.action, garn)
                    if not d.allowed:
                        continue
                    after = self.admin(a, self.directory.group_policies(gname))
                    if after.allowed:
                        yield a, t, _both(d, after), (garn,)

    def _older_version_admin(self, a: Actor, policy_arn: str) -> Decision | None:
        rec = self.directory.by_arn.get(policy_arn)
        if rec is None:
            return None
        for v in dicts(rec.raw.get("PolicyVersionList")):
            if v.get("IsDefaultVersion"):
                continue
            try:
                doc = load_document(v.get("Document"))
            except (ValueError, TypeError):
                continue
            after = self.admin(a, [compile_policy(doc, f"{policy_arn} {v.get('VersionId')}")])
            if after.allowed:
                return after
        return None

    def _takeover_edges(self, a: Actor) -> Iterator[Found]:
        for t in TECHNIQUES:
            if t.kind != "takeover":
                continue
            action = t.needs[0].action
            if t.id == "sts-assume-role":
                for role in self._assume_candidates(a):
                    if a.account in self.plain_trust.get(role.arn, ()):
                        d = self.decide_each(a, action, role.arn, resource_policy=self.account_trust(a.account),
                                             resource_account=role.account)
                    else:
                        d = self.decide(a, action, role.arn, resource_policy=role.trust,
                                        resource_account=role.account)
                    if d.allowed:
                        yield role, t, d, ()
                continue
            index = self.users if t.target == "user" else self.roles
            for rec in self.candidates(a, action, index):
                other = self.by_key.get(rec.key)
                if other is None or other is a or other.account != a.account:
                    continue
                if t.id == "iam-create-login-profile" and other.password is True:
                    continue
                if t.id == "iam-update-login-profile" and other.password is False:
                    continue
                d = self.decide_each(a, action, other.arn, target=other.rec, resource_account=other.account)
                if not d.allowed:
                    continue
                if t.id == "iam-update-assume-role-policy":
                    trust = compile_policy({"Statement": [{"Effect": "Allow", "Principal": {"AWS": a.arn},
                                                           "Action": "sts:AssumeRole"}]}, "rewritten trust")
                    assume = self.decide(a, "sts:AssumeRole", other.arn, resource_policy=trust,
                                         resource_account=other.account)
                    if not assume.allowed:
                        continue
                    d = _both(d, assume)
                yield other, t, d, ()

    def _assume_candidates(self, a: Actor) -> list[Actor]:
        named = self.trust_index.get(a.arn, []) + self.trust_index.get("*", [])
        by_account = self.trust_index.get(f"acct:{a.account}", [])
        if by_account and self.patterns(a, "sts:AssumeRole"):
            if "*" in self.patterns(a, "sts:AssumeRole"):
                named = named + by_account
            else:
                allowed = {r.key for r in self.candidates(a, "sts:AssumeRole", self.roles)}
                named = named + [r for r in by_account if r.rec.key in allowed]
        if self.view.foreign is not None and _names_other_accounts(self.patterns(a, "sts:AssumeRole"), a.account):
            # another account's role needs the caller's own policy to allow it: ask only then
            for who in (a.arn, f"acct:{a.account}", "*"):
                named = named + self.trusting_elsewhere(who)
        seen: dict[str, Actor] = {}
        for role in named:
            if role is not a:
                seen[role.arn] = role
        return list(seen.values())

    def _passrole_edges(self, a: Actor) -> Iterator[Found]:
        if not self.patterns(a, "iam:PassRole"):
            return
        passable: list[Actor] | None = None
        for t in TECHNIQUES:
            if t.kind != "passrole":
                continue
            service_roles = self.service_roles(t.service)
            if not service_roles:
                continue
            extra: list[Decision] = []
            for need in t.needs[1:]:
                d = self._need_anywhere(a, need.action, need.on)
                if d is None:
                    break
                extra.append(d)
            else:
                if passable is None:
                    passable = [r for rec in self.candidates(a, "iam:PassRole", self.roles)
                                if (r := self.by_key.get(rec.key)) is not None and r is not a
                                and r.account == a.account]
                make_profile: Decision | None = None
                for role in passable:
                    if role.arn not in service_roles:
                        continue
                    needs = list(extra)
                    via = t.service
                    if t.instance_profile and not role.profiles:
                        if make_profile is None:
                            make_profile = self._can_make_profile(a)
                        if not make_profile.allowed:
                            continue
                        needs.append(make_profile)
                        via = f"{t.service} (new instance profile)"
                    d = self.decide_each(a, "iam:PassRole", role.arn, {"iam:PassedToService": t.service},
                                         target=role.rec)
                    if d.allowed:
                        yield role, t, _both(d, *needs), (via,)

    def _need_anywhere(self, a: Actor, action: str, on: str) -> Decision | None:
        if on == "any-instance":
            for rec in self.candidates(a, action, self.instances):
                arn = arn_of(rec)
                if arn and account_of(rec, arn, self.view) == a.account:
                    d = self.decide_each(a, action, arn, target=rec)
                    if d.allowed:
                        return d
        return self.probe(a, action)

    def _can_make_profile(self, a: Actor) -> Decision:
        first = self.probe(a, "iam:CreateInstanceProfile")
        second = self.probe(a, "iam:AddRoleToInstanceProfile")
        if first is None or second is None:
            return Decision("implicit_deny")
        return _both(first, second)

    def _existing_edges(self, a: Actor) -> Iterator[Found]:
        for t in TECHNIQUES:
            if t.kind != "existing":
                continue
            need = t.needs[0]
            if not self.patterns(a, need.action):
                continue
            kind, index = ("aws_lambda_function", self.functions) if need.on == "function" else \
                ("aws_instance", self.instances)
            allowed_keys = None if "*" in self.patterns(a, need.action) else {
                r.key for r in self.candidates(a, need.action, index)}
            # one edge per role, through every function or instance of it the principal may reach
            groups = self.workload_groups(kind, a.account)
            if allowed_keys is None and groups and self.same_for_every_resource(a, need.action):
                d = self.decide_each(a, need.action, groups[0][1][0][1], resource_account=a.account)
                if d.allowed:
                    for role, members in groups:
                        if role is not a:
                            yield role, t, d, tuple(arn for _rec, arn in members)
                continue
            for role, members in groups:
                if role is a:
                    continue
                best: Decision | None = None
                vias: list[str] = []
                for rec, arn in members:
                    if allowed_keys is not None and rec.key not in allowed_keys:
                        continue
                    d = self.decide_each(a, need.action, arn, target=rec, resource_account=a.account)
                    if d.allowed:
                        vias.append(arn)
                        if best is None or (best.conditional and not d.conditional):
                            best = d
                if best is not None:
                    yield role, t, best, tuple(vias)

    def workload_groups(self, kind: str, account: str) -> list[tuple[Actor, list[tuple[Record, str]]]]:
        """Functions or instances of an account, grouped by the role they run as."""
        key = (kind, account)
        found = self._workload_groups.get(key)
        if found is None:
            groups: dict[str, tuple[Actor, list[tuple[Record, str]]]] = {}
            for rec in self.view.entities(kind):
                got = self.workloads.get(rec.key)
                if got is not None and got[1] == account:
                    groups.setdefault(got[2].arn, (got[2], []))[1].append((rec, got[0]))
            found = self._workload_groups[key] = list(groups.values())
        return found

_trust_key = trust_key


def _names_other_accounts(patterns: list[str], account: str) -> bool:
    """Whether any resource pattern may name something outside ``account``."""
    for p in patterns:
        parts = p.split(":", 5)
        if len(parts) != 6 or parts[4] != account:
            return True
    return False


def _arn_account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _reads_resource_tags(condition: Mapping[str, Any] | None) -> bool:
    if not condition:
        return False
    return any("resourcetag/" in str(k).lower() for pairs in condition.values() if isinstance(pairs, Mapping)
               for k in pairs)


def _plain_account_trust(trust: Policy) -> frozenset[str] | None:
    """The accounts a trust policy admits when that is all it does: Allow statements without
    conditions naming accounts for sts:AssumeRole, and no Deny. None for anything else."""
    accounts: set[str] = set()
    for st in trust.statements:
        if not st.allow or st.principals is None or st.not_principal or st.condition is not None:
            return None
        if not st.matches_action("sts:AssumeRole"):
            continue
        for ptype, entries in st.principals.items():
            for e in entries:
                key = _trust_key(e)
                if ptype.lower() != "aws" or not key.startswith("acct:"):
                    return None
                accounts.add(key[5:])
    return frozenset(accounts)


def _mentions_service(trust: Policy, service: str) -> bool:
    for st in trust.statements:
        if not st.allow or st.principals is None:
            continue
        if st.not_principal:
            return True
        for ptype, entries in st.principals.items():
            if any(e == "*" or (ptype.lower() == "service" and e.lower() == service) for e in entries):
                return True
    return False


def _both(*decisions: Decision) -> Decision:
    """All of several needs: allowed, conditional when any of them is."""
    return Decision("allow", any(d.conditional for d in decisions),
                    allowed_by=tuple(x for d in decisions for x in d.allowed_by))
