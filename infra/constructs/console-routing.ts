/**
 * The viewer-request CloudFront Function on the console's behaviors: the same routing the local
 * runtime does (infra/local/console-server.ts). `/console` is redirected to `/console/`; a path
 * under `/console/` without a file extension is a client-side route (a deep link such as
 * `/console/campaigns/c-1`) and is answered with `/console/index.html`; a file path goes to S3 as
 * it is. It runs on the console's behaviors only, so an API 404 stays the API's answer.
 *
 * Written for the cloudfront-js-2.0 runtime (ES5 with a few ES6 features): no imports, one
 * top-level `handler`. Tests evaluate this very text.
 */
export const CONSOLE_ROUTING_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === "/console") {
    var query = [];
    for (var name in request.querystring) {
      var field = request.querystring[name];
      var values = field.multiValue ? field.multiValue : [field];
      for (var i = 0; i < values.length; i++) query.push(name + "=" + values[i].value);
    }
    return {
      statusCode: 301,
      statusDescription: "Moved Permanently",
      headers: { location: { value: "/console/" + (query.length > 0 ? "?" + query.join("&") : "") } },
    };
  }
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) request.uri = "/console/index.html";
  return request;
}
`;
