/**
 * How to reach S3, as config.ts reads it from the AWS SDK's standard variables (AWS_REGION,
 * AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and
 * NARRATE_S3_PATH_STYLE. They are passed to the client explicitly, so config.ts stays the one reader
 * of the environment. One exception, on purpose: with no key in the environment the SDK's own
 * default credential chain runs (shared profile files, web identity, container or instance role),
 * and that chain reads its own variables (AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE, ...).
 */
export interface S3Settings {
  /** Default us-east-1: S3-compatible servers accept it, and AWS redirects are not followed by design. */
  readonly region: string;
  /** An S3-compatible server's URL; undefined for AWS itself. */
  readonly endpoint: string | undefined;
  /** Path-style addressing (http://host/bucket/key), for servers without virtual-host buckets. */
  readonly forcePathStyle: boolean;
  /** Static credentials; undefined: the SDK's default chain. The secret is never logged or echoed. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } | undefined;
}
