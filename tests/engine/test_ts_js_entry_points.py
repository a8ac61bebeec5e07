"""JavaScript/TypeScript entry points whose parameters carry request data by where the function sits (GraphQL
resolver maps) or by a decorator (NestJS @Args, type-graphql @Arg), and Angular route values."""

from __future__ import annotations

import pytest
from sink_flows import sink_flows


def _sink_taint(grammar: str, code: str) -> list[bool]:
    """Whether the first argument of each ``sink(...)`` call is attacker-controlled, in source order."""
    return [flow.tainted for flow in sink_flows(grammar, code)]


RESOLVERS = """
const resolvers = {
  Query: {
    user: async (parent, { id }, context) => { sink(id); sink(context.user); sink(parent.id); },
    search(_, args) { sink(args.term); },
  },
  Mutation: {
    rename: function (_, input) { sink(input.name); },
  },
  User: {
    posts: (user, args) => sink(args.first),
  },
};
const helpers = { format: (value, options) => sink(options) };
"""


def test_graphql_resolver_arguments_are_request_data() -> None:
    # Query/Mutation fields take the client's arguments; a type's field resolver (User.posts) is not a root entry
    # point, and an object that is no resolver map taints nothing.
    assert _sink_taint("javascript", RESOLVERS) == [True, False, False, True, True, False, False]


NEST = """
@Resolver()
class UsersResolver {
  @Query(() => User)
  user(@Args('name') name: string, @Args('id', { type: () => Int }) id: number, @Context() ctx: any) {
    sink(name); sink(id); sink(ctx);
  }
  @Query(() => [User])
  byId(@Args('id', ParseIntPipe) id: number, @Arg('filter') filter: string) {
    sink(id); sink(filter);
  }
}
"""


def test_graphql_argument_decorators_taint_text_arguments() -> None:
    assert _sink_taint("typescript", NEST) == [True, False, False, False, True]


ANGULAR = """
class ArticleComponent {
  constructor(private route: ActivatedRoute) {}
  ngOnInit() {
    sink(this.route.snapshot.queryParamMap.get('q'));
    sink(this.route.snapshot.params.id);
    sink(this.title);
  }
}
"""


@pytest.mark.parametrize("grammar", ["typescript", "tsx"])
def test_angular_route_values_are_input(grammar: str) -> None:
    assert _sink_taint(grammar, ANGULAR) == [True, True, False]
