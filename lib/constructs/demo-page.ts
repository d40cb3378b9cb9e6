/**
 * The demo page on AWS (context `demoPage=true`): the same page local mode serves at its root, in a private
 * S3 bucket behind CloudFront (origin access control), with the API on the same origin under `/prod/*`
 * (CloudFront forwards it to the API's regional endpoint, uncached, headers and all). The page's calls are
 * same-origin, which its CSP (`connect-src 'self'`) allows and which need no CORS: the API adds no preflight
 * and no Access-Control-* header, so no other origin's page can read its answers. The page holds no key: the
 * user types it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { bundleApp, DEMO_PAGE_DIR, readCatalogue, type DemoConfig } from '../demo-page/build';
import { API_STAGE_NAME } from '../contract/stack-outputs';
import { acknowledge } from './acknowledge';
import { acknowledgeBucketDeployment } from './bucket-deployment';
import { DEFAULTS } from './defaults';
import { PRIVATE_BUCKET_PROPS } from './private-bucket';

export interface DemoPageProps {
  /** The API the page calls, forwarded on the page's own origin under `/<stage>/*`. */
  readonly api: apigateway.RestApi;
  /** Shown on the page as the dataset group (non-secret). */
  readonly datasetGroupArn?: string;
}

export class DemoPage extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`: the page's origin. */
  public readonly origin: string;

  constructor(scope: Construct, id: string, props: DemoPageProps) {
    super(scope, id);
    this.bucket = this.pageBucket();
    this.distribution = this.pageDistribution(props.api);
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.acknowledgeDistribution();
    this.deployPage(props.datasetGroupArn);
  }

  /** The private bucket the page is served from (CloudFront reads it through origin access control). */
  private pageBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Bucket', { ...PRIVATE_BUCKET_PROPS, autoDeleteObjects: true });
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      'The bucket holds the demo page only, written by the stack deployment and read by CloudFront; its requests are in the distribution, and server access logs would need a second bucket of their own.',
    );
    return bucket;
  }

  /** The page from the bucket (cached), and the API under `/<stage>/*` from its regional endpoint (not). */
  private pageDistribution(api: apigateway.RestApi): cloudfront.Distribution {
    const stack = Stack.of(this);
    const apiOrigin = new origins.HttpOrigin(
      `${api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
      { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY },
    );
    return new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Demo page of the near-real-time recommendations API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.securityHeaders(),
      },
      additionalBehaviors: {
        [`/${API_STAGE_NAME}/*`]: {
          origin: apiOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // The API resolves its own Host; everything else (x-api-key, the query string) is passed on.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
  }

  /** The distribution's cdk-nag findings this optional demo accepts, each with its reason. */
  private acknowledgeDistribution(): void {
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'A demo page for whoever holds the API key; the API key and its usage plan (rate, burst, daily quota) are the access control, not geography.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'The distribution serves a static page and forwards to an API that requires an API key and is throttled by its usage plan; a web ACL is an account decision this optional demo does not make.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'Access logs would need a logging bucket with ACLs enabled for this optional demo; the API behind it keeps its own access logs (the stage log group).',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The distribution uses its cloudfront.net certificate, with which CloudFront allows TLSv1 viewers whatever the policy says; a custom domain and certificate would be needed to enforce TLS 1.2.',
    );
  }

  /** Copies the page (local mode's files, the bundled app, the catalogue) and its config into the bucket. */
  private deployPage(datasetGroupArn: string | undefined): void {
    const config: DemoConfig = {
      ApiUrl: `${this.origin}/${API_STAGE_NAME}/`,
      ...(datasetGroupArn ? { DatasetGroupArn: datasetGroupArn } : {}),
    };
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.data('index.html', readFileSync(join(DEMO_PAGE_DIR, 'index.html'), 'utf8')),
        s3deploy.Source.data('style.css', readFileSync(join(DEMO_PAGE_DIR, 'style.css'), 'utf8')),
        s3deploy.Source.data('app.js', bundleApp()),
        s3deploy.Source.jsonData('catalogue.json', readCatalogue()),
        s3deploy.Source.jsonData('demo-config.json', config),
      ],
      // Revalidated on every request (CloudFront keeps each for a second): a redeploy shows at once.
      cacheControl: [s3deploy.CacheControl.noCache()],
      memoryLimit: 256,
      // Its logs go with the stack (the function's default log group is kept two years after a delete).
      logGroup: new logs.LogGroup(this, 'DeployLogs', {
        retention: DEFAULTS.logRetention.customResource,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    acknowledgeBucketDeployment(deployment, this.bucket, {
      functionName: 'deployment function',
      reads: "the page's asset objects",
      bucketName: 'demo page bucket',
    });
  }

  /** What the page's responses carry: a CSP allowing its own origin only (the API is on it), and more. */
  private securityHeaders(): cloudfront.ResponseHeadersPolicy {
    return new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Demo page: its own scripts, styles and API only',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
  }
}
