// Starts GraphiQL on the page app/graphiql.py serves. Everything it loads comes from
// this server: React, GraphiQL and the explorer plugin are the pinned copies beside
// this file (scripts/vendor-graphiql), so the page works offline.
(function () {
  "use strict";

  // Queries and mutations go to the page's own URL; subscriptions to the same URL over
  // WebSocket (graphql-transport-ws). GraphiQL sends the Headers tab as connection_init's
  // payload, which is where the API reads {"Authorization": "Bearer …"} on a WebSocket.
  var endpoint = window.location.origin + window.location.pathname;
  var socket = endpoint.replace(/^http/, "ws");

  var welcome = [
    "# 智慧株洲 GraphQL · Smart Zhuzhou GraphQL",
    "#",
    "# Ctrl-Enter runs, Ctrl-Space completes; the book icon",
    "# on the left opens the schema's documentation.",
    "# Signed in? Put this in the Headers tab below:",
    "#   {\"Authorization\": \"Bearer <accessToken>\"}",
    "# (README, \"Signing in\"; development SMS codes:",
    "#  .venv/bin/python -m app dev-sms-codes)",
    "",
    "{",
    "  departments(first: 3) {",
    "    edges { node { code name { zh en } } }",
    "    pageInfo { hasNextPage endCursor }",
    "  }",
    "}",
    "",
  ].join("\n");

  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socket });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: welcome,
      plugins: [explorer],
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    })
  );
})();
