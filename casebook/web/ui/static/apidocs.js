/* The API explorer: swagger-ui (served by the app from its npm copy) on the app's own OpenAPI document. */
(function () {
  var spec = document.getElementById("apidocs-init").getAttribute("data-spec");
  window.SwaggerUIBundle({ url: spec, dom_id: "#swagger-ui", deepLinking: true, docExpansion: "none" });
})();
