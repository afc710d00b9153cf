"""The parties of a campaign: platforms (with their sites and accounts), rights holders
and collective management organisations (with their agents), agencies, and regions.

Every change is audited under the caller; every list is scoped by the access policy
(``principal`` None: the command line, with the operator's authority). See
docs/parties.md."""

from swordnet.services.parties.agencies import (
    agencies_query,
    get_agency,
    list_agencies,
    register_agency,
    update_agency,
)
from swordnet.services.parties.holders import (
    add_agent,
    find_holder,
    get_holder,
    holders_query,
    list_holders,
    register_holder,
    update_holder,
)
from swordnet.services.parties.platforms import (
    accounts_of,
    add_account,
    add_site,
    find_platform,
    get_platform,
    list_platforms,
    platforms_query,
    register_platform,
    sites_of,
    update_platform,
)
from swordnet.services.parties.regions import (
    ImportReport,
    RegionImportError,
    create_region,
    get_region,
    import_regions,
    list_regions,
    nearest_agency,
    regions_page,
    regions_query,
    subtree,
)
from swordnet.services.parties.validation import DuplicatePartyError, PartyError

__all__ = [
    "DuplicatePartyError",
    "ImportReport",
    "PartyError",
    "RegionImportError",
    "accounts_of",
    "add_account",
    "add_agent",
    "add_site",
    "agencies_query",
    "create_region",
    "find_holder",
    "find_platform",
    "get_agency",
    "get_holder",
    "get_platform",
    "get_region",
    "holders_query",
    "import_regions",
    "list_agencies",
    "list_holders",
    "list_platforms",
    "list_regions",
    "nearest_agency",
    "platforms_query",
    "regions_page",
    "regions_query",
    "register_agency",
    "register_holder",
    "register_platform",
    "sites_of",
    "subtree",
    "update_agency",
    "update_holder",
    "update_platform",
]
