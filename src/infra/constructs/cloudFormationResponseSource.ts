/**
 * The `respond(event, body)` function every inline custom-resource handler of the member template uses to
 * answer CloudFormation: a PUT of the JSON body to the presigned ResponseURL. Inline code (ZipFile) cannot
 * import a shared module, so the source is shared here and written into each handler's source.
 */
export const CLOUDFORMATION_RESPONSE_SOURCE = `function respond(event, body) {
  const url = new URL(event.ResponseURL);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({ hostname: url.hostname, path: url.pathname + url.search, method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(text);
  });
}`;
