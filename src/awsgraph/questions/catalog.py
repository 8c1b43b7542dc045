"""Curated security questions as data: each one a title, why it matters, and its J1QL.

A query may name parameters as ``{name}``; :func:`render` fills them in from defaults or
the caller's values (a comma-separated list becomes a J1QL value list ``('a' OR 'b')``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from awsgraph.questions.coverage import Derived, Need


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    why: str
    query: str
    tags: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)  # name -> default value
    # Facts the answer needs beyond the types it names (see awsgraph.questions.coverage).
    needs: tuple[Need | Derived, ...] = ()


# Password and MFA state of users come only from the IAM credential report.
CREDENTIAL_REPORT = (Need("aws_iam_user", "passwordEnabled", "no credential report"),
                     Need("aws_iam_user", "mfaEnabled", "no credential report"))
# Properties the analysers compute from types a question's query does not name.
EXPOSURE = Derived("exposedToInternet", ("aws_subnet", "aws_route_table", "aws_network_acl", "aws_security_group",
                                         "aws_eni"))
BUCKET_POLICY = Derived("public", ("aws_s3_bucket_policy",))
ESCALATION = Derived("escalation", ("aws_iam_group", "aws_iam_policy"))
# A resource policy's grant to a principal is weighed with the principal's own policies.
RESOURCE_GRANT = Derived("effective", ("aws_iam_group", "aws_iam_policy"))
# An attack path reaches a secret when the grant reads its value (GetSecretValue) or changes it; a grant
# of its metadata alone (DescribeSecret) is no path. Other data stores count for any grant, as before.
SECRET_GRANT = ("(data._type != 'aws_secretsmanager_secret' OR grant.readsSecretValue = true "
                "OR grant.write = true)")


QUESTIONS: tuple[Question, ...] = (
    Question(
        id="internet-exposed-hosts",
        title="Hosts reachable from the Internet, and on which ports",
        why="Every port the Internet can reach is attack surface; this is the first list an attacker builds.",
        query="FIND Internet THAT ALLOWS AS rule Firewall AS sg THAT PROTECTS Host AS host "
              "WHERE rule.ingress = true RETURN host.displayName, host._type, sg.groupId, rule.ipProtocol, "
              "rule.fromPort, rule.toPort, rule.ipRange, host.region, host.accountId",
        tags=("network",)),
    Question(
        id="ssh-open-to-internet",
        title="Security groups allowing SSH (22) from the Internet",
        why="SSH open to the world invites brute force and exploitation of any weak key or sshd bug.",
        query="FIND Internet THAT ALLOWS AS rule aws_security_group AS sg WHERE rule.ingress = true AND "
              "rule.fromPort <= 22 AND rule.toPort >= 22 RETURN sg.groupId, sg.displayName, rule.ipProtocol, "
              "rule.fromPort, rule.toPort, rule.ipRange, sg.region, sg.accountId",
        tags=("network",)),
    Question(
        id="rdp-open-to-internet",
        title="Security groups allowing RDP (3389) from the Internet",
        why="RDP exposed to the Internet is a leading ransomware entry point.",
        query="FIND Internet THAT ALLOWS AS rule aws_security_group AS sg WHERE rule.ingress = true AND "
              "rule.fromPort <= 3389 AND rule.toPort >= 3389 RETURN sg.groupId, sg.displayName, "
              "rule.fromPort, rule.toPort, rule.ipRange, sg.region, sg.accountId",
        tags=("network",)),
    Question(
        id="all-ports-open-to-internet",
        title="Security groups open to the Internet on every port or protocol",
        why="A rule allowing all traffic removes the firewall altogether for whatever it protects.",
        query="FIND Internet THAT ALLOWS AS rule aws_security_group AS sg WHERE rule.ingress = true AND "
              "(rule.ipProtocol = '*' OR (rule.fromPort <= 0 AND rule.toPort >= 65535)) "
              "RETURN sg.groupId, sg.displayName, rule.ipProtocol, rule.fromPort, rule.toPort, rule.ipRange, "
              "sg.region, sg.accountId",
        tags=("network",)),
    Question(
        id="exposed-instances",
        title="Instances, load balancers and databases exposed to the Internet",
        why="Exposure needs a public address, a route, a NACL and a security group to line up; these do.",
        query="FIND (Host|Gateway|Database) WITH exposedToInternet = true",
        tags=("network",), needs=(EXPOSURE,)),
    Question(
        id="public-buckets",
        title="S3 buckets that are public",
        why="Public buckets are the most common source of cloud data leaks.",
        query="FIND aws_s3_bucket WITH public = true",
        tags=("data",), needs=(BUCKET_POLICY,)),
    Question(
        id="buckets-allowing-everyone",
        title="Resources whose policy allows everyone",
        why="A resource policy granting Principal * lets anyone on the Internet act on the resource.",
        query="FIND * AS r THAT ALLOWS AS grant Everyone RETURN r._type, r.displayName, grant.actions, r.region, "
              "r.accountId",
        tags=("data", "iam")),
    Question(
        id="unencrypted-data-stores",
        title="Data stores that are not encrypted at rest",
        why="Encryption at rest limits the damage of leaked snapshots, disks and backups.",
        query="FIND DataStore WITH encrypted != true RETURN DataStore._type, DataStore.displayName, "
              "DataStore.region, DataStore.accountId",
        tags=("data",)),
    Question(
        id="unencrypted-volumes",
        title="EBS volumes that are not encrypted",
        why="Unencrypted volumes and their snapshots expose data to anyone who can copy them.",
        query="FIND aws_ebs_volume WITH encrypted != true",
        tags=("data",)),
    Question(
        id="public-snapshots",
        title="Snapshots and images shared publicly",
        why="A public EBS or RDS snapshot hands a full copy of a disk or database to anyone.",
        query="FIND (aws_ebs_snapshot|aws_db_snapshot|aws_db_cluster_snapshot|aws_ami) WITH public = true",
        tags=("data",)),
    Question(
        id="snapshots-shared-with-accounts",
        title="EBS snapshots shared with other accounts",
        why="Sharing a snapshot copies the data out of your control into another account.",
        query="FIND aws_ebs_snapshot WITH sharedWithAccounts != undefined AND sharedWithAccounts ^= '' "
              "RETURN aws_ebs_snapshot.displayName, aws_ebs_snapshot.sharedWithAccounts, aws_ebs_snapshot.region, "
              "aws_ebs_snapshot.accountId",
        tags=("data",)),
    Question(
        id="admin-policies",
        title="Policies granting full administrator access",
        why="Admin policies should be few and attached to few principals.",
        query="FIND AccessPolicy WITH admin = true",
        tags=("iam",)),
    Question(
        id="admin-principals",
        title="Users, groups and roles with administrator access",
        why="Every admin principal is a path to owning the whole account if its credentials leak.",
        query="FIND (aws_iam_user|aws_iam_group|aws_iam_role) AS p THAT (HAS|ASSIGNED) AccessPolicy "
              "AS policy WHERE policy.admin = true RETURN p._type, p.name, policy.name, p.accountId",
        tags=("iam",)),
    Question(
        id="admin-via-allows",
        title="Principals whose policies allow everything on the account",
        why="JupiterOne collapses '*' on '*' to an ALLOWS edge to the account marked admin.",
        query="FIND (aws_iam_user|aws_iam_group|aws_iam_role) AS p THAT (HAS|ASSIGNED) AccessPolicy "
              "AS policy THAT ALLOWS AS perm * AS r WHERE perm.admin = true "
              "RETURN p.name, policy.name, r._type, p.accountId",
        tags=("iam",)),
    Question(
        id="users-without-mfa",
        title="IAM users with a console password but no MFA",
        why="A password without MFA is one phishing e-mail away from account takeover.",
        query="FIND aws_iam_user WITH passwordEnabled = true AND mfaEnabled != true",
        tags=("iam",),
        needs=CREDENTIAL_REPORT),
    Question(
        id="users-without-mfa-device",
        title="IAM users with no MFA device at all",
        why="Users with no MFA device cannot have MFA enforced.",
        query="FIND aws_iam_user WITH _source = undefined THAT !HAS mfa_device",
        tags=("iam",)),
    Question(
        id="old-access-keys",
        title="Active access keys older than 90 days",
        why="Long-lived keys leak through laptops, CI logs and repositories; rotate them.",
        query="FIND aws_iam_access_key WITH (status = 'Active' OR active = true) AND "
              "createdOn < date.now - 90 days",
        tags=("iam",)),
    Question(
        id="unused-access-keys",
        title="Active access keys unused for 90 days (or never used)",
        why="An unused key is pure risk: remove it.",
        query="FIND aws_iam_access_key WITH (status = 'Active' OR active = true) AND "
              "(lastUsedOn = undefined OR lastUsedOn < date.now - 90 days)",
        tags=("iam",)),
    Question(
        id="unused-roles",
        title="Roles not used for 90 days",
        why="Dormant roles keep their permissions; delete what nobody uses.",
        query="FIND aws_iam_role WITH serviceLinked != true AND "
              "(lastUsedOn = undefined OR lastUsedOn < date.now - 90 days)",
        tags=("iam",)),
    Question(
        id="cross-account-trust",
        title="Roles trusted by other AWS accounts",
        why="A cross-account trust lets another account's principals act here.",
        # ``>>``: the role is the one that trusts; without it an outside role the edge points at
        # would be listed as if it were trusted by ours.
        query="FIND aws_iam_role WITH _source = undefined AS role THAT TRUSTS >> AS trust "
              "(aws_account|aws_iam_role|aws_iam_user) AS who WHERE trust.crossAccount = true "
              "RETURN role.name, who._type, who.displayName, trust.externalIdRequired, role.accountId, who.accountId",
        tags=("iam",)),
    Question(
        id="cross-account-trust-without-external-id",
        title="Roles trusted by other accounts without an external id",
        why="Without sts:ExternalId a third party can be tricked into assuming your role (confused deputy).",
        query="FIND aws_iam_role WITH _source = undefined AS role THAT TRUSTS >> AS trust "
              "(aws_account|aws_iam_role|aws_iam_user) AS who WHERE trust.crossAccount = true AND "
              "trust.externalIdRequired != true RETURN role.name, who.displayName, role.accountId, who.accountId",
        tags=("iam",)),
    Question(
        id="weak-password-policy",
        title="Password policies weaker than CIS recommends",
        why="Short or simple passwords fall to guessing; CIS asks for 14+ characters and reuse prevention.",
        query="FIND PasswordPolicy WITH minLength < 14 OR requireSymbols != true OR "
              "requireNumbers != true OR requireUppercase != true OR requireLowercase != true OR "
              "historyCount < 24",
        tags=("iam",)),
    Question(
        id="accounts-without-password-policy",
        title="Accounts without a password policy",
        why="Without a policy IAM accepts any password.",
        # The policy hangs off the account's IAM service entity (aws_iam HAS the password policy).
        query="FIND aws_iam THAT !HAS PasswordPolicy RETURN aws_iam.accountId, aws_iam.displayName",
        tags=("iam",)),
    Question(
        id="lambda-with-admin-role",
        title="Lambda functions running with an administrator role",
        why="Code execution in such a function (a vulnerable dependency) becomes full account control.",
        query="FIND aws_lambda_function AS fn THAT (HAS|ASSIGNED|USES) aws_iam_role AS role "
              "THAT (HAS|ASSIGNED) AccessPolicy AS policy WHERE policy.admin = true "
              "RETURN fn.name, role.name, policy.name, fn.region, fn.accountId",
        tags=("iam", "compute")),
    Question(
        id="missing-owner-tag",
        title="Resources without an Owner tag",
        why="The spec's ProTip: without an owner nobody is accountable for fixing a finding.",
        query="FIND (DataStore|Host|Database|Function|Cluster) WITH tag.Owner = undefined AND "
              "owner = undefined AS r RETURN r._type, r.displayName, r.region, r.accountId",
        tags=("hygiene",)),
    Question(
        id="missing-classification-tag",
        title="Data stores without a Classification tag",
        why="The spec's ProTip: you cannot protect data whose sensitivity is unknown.",
        query="FIND DataStore WITH tag.Classification = undefined AND classification = undefined "
              "RETURN DataStore._type, DataStore.displayName, DataStore.region, DataStore.accountId",
        tags=("hygiene", "data")),
    Question(
        id="untagged-production-data",
        title="Production data stores without a data-type tag (PII/PHI/PCI)",
        why="Production data should say whether it holds regulated data so controls can follow.",
        query="FIND DataStore WITH (tag.Production = true OR tag.Environment = ('prod' OR 'production')) AND "
              "tag.PII = undefined AND tag.PHI = undefined AND tag.PCI = undefined",
        tags=("hygiene", "data")),
    Question(
        id="pii-unencrypted",
        title="Data stores tagged as holding PII/PHI/PCI that are not encrypted",
        why="Regulated data must be encrypted at rest.",
        query="FIND DataStore WITH (tag.PII = true OR tag.PHI = true OR tag.PCI = true) AND "
              "encrypted != true",
        tags=("data",)),
    Question(
        id="unauthorized-regions",
        title="Resources in regions outside the allow-list",
        why="The spec: multi-region collection exists to discover resources in an unauthorized region, a "
            "classic sign of forgotten experiments or of an attacker mining in a region nobody watches.",
        query="FIND * WITH region != undefined AND region != 'global' AND region != ({regions}) AS r "
              "RETURN r._type, r.displayName, r.region, r.accountId",
        tags=("hygiene",),
        params={"regions": "us-east-1"}),
    Question(
        id="default-vpcs",
        title="Default VPCs",
        why="Default VPCs have public subnets by default; CIS recommends removing unused ones.",
        query="FIND aws_vpc WITH isDefault = true",
        tags=("network",)),
    Question(
        id="buckets-without-logging",
        title="S3 buckets without access logging",
        why="Without access logs a data leak cannot be investigated.",
        query="FIND aws_s3_bucket WITH loggingEnabled != true",
        tags=("data",)),
    Question(
        id="buckets-without-versioning",
        title="S3 buckets without versioning",
        why="Versioning protects against accidental and malicious deletion or overwrite (ransomware).",
        query="FIND aws_s3_bucket WITH versioningEnabled != true",
        tags=("data",)),
    Question(
        id="users-mapped-to-people",
        title="IAM users and the people they belong to",
        why="Knowing whose a user is says who to ask before changing or removing it.",
        # one row per user and person (an optional traversal would also list each mapped user
        # once more without its person); the unmapped ones are the next question
        query="FIND aws_iam_user WITH _source = undefined AS u THAT IS >> Person AS p "
              "RETURN u.name, p.email, u.accountId",
        tags=("iam",)),
    Question(
        id="users-not-mapped-to-people",
        title="IAM users that belong to no known person",
        why="Users that map to no person are often orphaned or shared accounts.",
        query="FIND aws_iam_user WITH _source = undefined AS u THAT !IS Person RETURN u.name, u.accountId",
        tags=("iam",)),
    Question(
        id="privilege-escalation",
        title="Privilege escalation: users and roles that can take over another principal or grant themselves more",
        why="PassRole, policy writes, access keys and trust policies turn a modest principal into an administrator; "
            "each edge is one technique the policy evaluator allows, into other accounts too (assuming a role "
            "whose trust admits the caller); `awsgraph privesc` gives whole paths, across accounts.",
        query="FIND (aws_iam_user|aws_iam_role) AS principal THAT MANAGES >> AS escalation (aws_iam_user|aws_iam_role) "
              "AS target WHERE escalation.escalation = true RETURN principal.name, principal.accountId, "
              "escalation.technique, escalation.conditional, escalation.crossAccount, target.name, target.accountId, "
              "target.administrator, principal.escalatesToAdmin, principal.escalationPath",
        tags=("iam",), needs=(ESCALATION,)),
    # --- attack paths: each row is a whole path from the Internet to what can be read or written.
    # They read the security-group ALLOWS edges by their generic properties (ingress, ipProtocol,
    # fromPort, toPort), which hold for one edge per rule as for one merged edge per group pair.
    Question(
        id="attack-path-internet-host-data",
        title="Attack paths: Internet -> exposed instance -> its role -> data it may read or write",
        why="An exposed instance's role is what an attacker gets with a foothold on it (instance metadata "
            "credentials); every data store the role's policies reach is one step from the Internet.",
        query="FIND Internet THAT ALLOWS >> AS rule aws_security_group AS sg THAT PROTECTS >> aws_instance AS host "
              "THAT ASSIGNED >> aws_iam_role AS role THAT HAS >> AccessPolicy AS policy THAT ALLOWS >> AS grant "
              "(DataStore|CryptoKey|Secret) AS data WHERE rule.ingress = true AND host.exposedToInternet = true "
              f"AND {SECRET_GRANT} "
              "RETURN rule.ipProtocol, rule.fromPort, rule.toPort, rule.ipRange, "
              "sg.groupId, host.displayName, host.exposedPorts, "
              "role.name, policy.name, grant.read, grant.write, grant.readsSecretValue, data._type, data.displayName, "
              "data.accountId",
        tags=("attack-path", "network", "iam", "data"), needs=(EXPOSURE,)),
    Question(
        id="attack-path-internet-host-data-by-resource-policy",
        title="Attack paths: Internet -> exposed instance -> its role, named by a bucket, key or secret's own policy",
        why="A resource policy can grant an instance role what its own policies never mention; an attacker on "
            "the instance gets it all the same. Each grant is weighed with the role's policies, permissions "
            "boundary and SCPs and the resource policy's denies (`grant.effective`).",
        query="FIND Internet THAT ALLOWS >> AS rule aws_security_group AS sg THAT PROTECTS >> aws_instance AS host "
              "THAT ASSIGNED >> aws_iam_role AS role THAT ALLOWS << AS grant (DataStore|CryptoKey|Secret) AS data "
              "WHERE rule.ingress = true AND host.exposedToInternet = true AND grant.effective = true "
              f"AND {SECRET_GRANT} "
              "RETURN rule.ipProtocol, rule.fromPort, rule.toPort, rule.ipRange, "
              "sg.groupId, host.displayName, host.exposedPorts, "
              "role.name, grant.actions, grant.read, grant.write, grant.readsSecretValue, grant.effectiveConditional, "
              "data._type, data.displayName, data.accountId",
        tags=("attack-path", "network", "iam", "data"), needs=(EXPOSURE, RESOURCE_GRANT)),
    Question(
        id="attack-path-internet-host-every-data-store",
        title="Attack paths: Internet -> exposed instance -> its role -> a grant on `*` -> every store of the service",
        why="A grant on `*` (`s3:GetObject`, `secretsmanager:GetSecretValue`...) links to the service, not to "
            "each store, as in JupiterOne; from an exposed host it reaches every store the service HAS (and "
            "those created later). Tagged stores show their PII, PHI and PCI tags.",
        query="FIND Internet THAT ALLOWS >> AS rule aws_security_group AS sg THAT PROTECTS >> aws_instance AS host "
              "THAT ASSIGNED >> aws_iam_role AS role THAT HAS >> AccessPolicy AS policy THAT ALLOWS >> AS grant "
              "(aws_s3|aws_dynamodb|aws_rds|aws_kms|aws_secretsmanager) AS service "
              "THAT HAS >> (DataStore|CryptoKey|Secret) AS data "
              "WHERE rule.ingress = true AND host.exposedToInternet = true AND (grant.read = true OR "
              "grant.write = true) AND (service._type != 'aws_secretsmanager' OR grant.readsSecretValue = true "
              "OR grant.write = true) "
              "RETURN rule.fromPort, rule.toPort, rule.ipRange, host.displayName, host.exposedPorts, host.region, "
              "host.accountId, role.name, policy.name, grant.normalizedActions, grant.read, grant.write, "
              "grant.readsSecretValue, service._type, data._type, data.displayName, data.tag.PII, data.tag.PHI, "
              "data.tag.PCI",
        tags=("attack-path", "network", "iam", "data"), needs=(EXPOSURE,)),
    Question(
        id="attack-path-internet-sensitive-data",
        title="Attack paths into data stores tagged PII, PHI or PCI",
        why="Regulated data one compromised host away from the Internet is the breach regulators ask about; "
            "the row shows the port, the host, the role, the policy and the store (grants on `*`: see "
            "attack-path-internet-host-every-data-store).",
        query="FIND Internet THAT ALLOWS >> AS rule aws_security_group AS sg THAT PROTECTS >> aws_instance AS host "
              "THAT ASSIGNED >> aws_iam_role AS role THAT HAS >> AccessPolicy AS policy THAT ALLOWS >> AS grant "
              "(DataStore|CryptoKey|Secret) WITH tag.PII = true OR tag.PHI = true OR tag.PCI = true AS data "
              f"WHERE rule.ingress = true AND host.exposedToInternet = true AND {SECRET_GRANT} "
              "RETURN rule.ipProtocol, rule.fromPort, rule.toPort, rule.ipRange, "
              "host.displayName, host.exposedPorts, host.region, "
              "host.accountId, role.name, policy.name, grant.read, grant.write, grant.readsSecretValue, data._type, "
              "data.displayName, data.tag.PII, data.tag.PHI, data.tag.PCI",
        tags=("attack-path", "data"), needs=(EXPOSURE,)),
    Question(
        id="attack-path-internet-lb-data",
        title="Attack paths: Internet -> exposed load balancer -> target instance -> its role -> data",
        why="A load balancer puts private instances on the Internet; their roles are as exposed as the balancer.",
        query="FIND Internet THAT ALLOWS >> AS rule aws_security_group AS sg THAT PROTECTS >> (aws_alb|aws_nlb) AS lb "
              "THAT CONNECTS >> aws_lb_target_group AS tg THAT HAS >> aws_instance AS host "
              "THAT ASSIGNED >> aws_iam_role AS role THAT HAS >> AccessPolicy AS policy THAT ALLOWS >> AS grant "
              "(DataStore|CryptoKey|Secret) AS data WHERE rule.ingress = true AND lb.exposedToInternet = true "
              f"AND {SECRET_GRANT} "
              "RETURN rule.fromPort, rule.toPort, rule.ipRange, "
              "lb.displayName, lb.exposedPorts, lb.region, lb.accountId, "
              "tg.displayName, host.displayName, role.name, policy.name, grant.read, grant.write, "
              "grant.readsSecretValue, data._type, data.displayName",
        tags=("attack-path", "network", "iam", "data"), needs=(EXPOSURE,)),
    Question(
        id="attack-path-public-function-data",
        title="Attack paths: public Lambda function URL -> its role -> data it may read or write",
        why="A function URL without authentication runs the function for anyone on the Internet, with its role.",
        query="FIND aws_lambda_function WITH publicUrl = true AS fn THAT HAS >> aws_iam_role AS role "
              "THAT HAS >> AccessPolicy AS policy THAT ALLOWS >> AS grant (DataStore|CryptoKey|Secret) AS data "
              f"WHERE {SECRET_GRANT} "
              "RETURN fn.displayName, fn.functionUrl, fn.region, fn.accountId, role.name, policy.name, grant.read, "
              "grant.write, grant.readsSecretValue, data._type, data.displayName",
        tags=("attack-path", "iam", "data")),
    Question(
        id="attack-path-internet-host-admin",
        title="Attack paths: Internet -> exposed instance whose role is, or can become, an administrator",
        why="An administrator role on an exposed host reads and writes every data store; a role that can "
            "escalate to one is the same risk a few API calls later (see `awsgraph privesc`).",
        query="FIND Internet THAT ALLOWS >> AS rule aws_security_group AS sg THAT PROTECTS >> aws_instance AS host "
              "THAT ASSIGNED >> aws_iam_role AS role WHERE rule.ingress = true AND host.exposedToInternet = true "
              "AND (role.administrator = true OR role.escalatesToAdmin = true) "
              "RETURN rule.fromPort, rule.toPort, rule.ipRange, "
              "host.displayName, host.exposedPorts, host.region, host.accountId, "
              "role.name, role.administrator, role.escalationReaches, role.escalationPath",
        tags=("attack-path", "iam"), needs=(EXPOSURE, ESCALATION)),
    Question(
        id="attack-path-internet-host-escalation-data",
        title="Attack paths: Internet -> exposed instance -> its role -> a principal it can escalate to -> data",
        why="What a role can become counts as much as what it is: one escalation step (assume a role, pass a "
            "role, take over a user) widens what the foothold reaches.",
        query="FIND Internet THAT ALLOWS >> AS rule aws_security_group AS sg THAT PROTECTS >> aws_instance AS host "
              "THAT ASSIGNED >> aws_iam_role AS role THAT MANAGES >> AS escalation (aws_iam_role|aws_iam_user) AS next "
              "THAT HAS >> AccessPolicy AS policy THAT ALLOWS >> AS grant (DataStore|CryptoKey|Secret) AS data "
              f"WHERE rule.ingress = true AND host.exposedToInternet = true AND {SECRET_GRANT} "
              "RETURN rule.fromPort, rule.toPort, rule.ipRange, "
              "host.displayName, host.region, host.accountId, role.name, "
              "escalation.technique, next.name, policy.name, grant.read, grant.write, grant.readsSecretValue, "
              "data._type, data.displayName",
        tags=("attack-path", "iam", "data"), needs=(EXPOSURE, ESCALATION)),
)
