/**
 * The demo page on AWS: absent unless `-c demoPage=true`; when on, a private encrypted bucket behind
 * CloudFront with origin access control, the API forwarded on the page's origin (same-origin calls, which its
 * CSP allows, so no CORS preflight and no Access-Control-* header), and cdk-nag clean.
 */
import { expect } from '@jest/globals';
import { Template } from 'aws-cdk-lib/assertions';
import { synthesize, type Resource, type Synthesized } from './synth';

const typesOf = (template: Template) =>
  Object.values(template.toJSON().Resources as Record<string, Resource>).map((resource) => resource.Type);

/** The template's methods, by HTTP method. */
const methods = (template: Template, httpMethod?: string) =>
  Object.values(template.findResources('AWS::ApiGateway::Method') as Record<string, Resource>).filter(
    (method) => httpMethod === undefined || method.Properties?.HttpMethod === httpMethod,
  );

/** The BucketDeployments whose destination is the demo page's bucket (the sample data has its own). */
function demoPageDeployments(synth: Synthesized): Resource[] {
  const buckets = Object.keys(synth.template.findResources('AWS::S3::Bucket')).filter((id) =>
    id.includes('DemoPage'),
  );
  return Object.values(
    synth.template.findResources('Custom::CDKBucketDeployment') as Record<string, Resource>,
  ).filter((deployment) =>
    buckets.some((id) => JSON.stringify(deployment.Properties?.DestinationBucketName).includes(id)),
  );
}

describe('demo page off (the default)', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });

  it('adds nothing: no distribution, no origin access control, no deployment, no preflight, no output', () => {
    const types = typesOf(synth.template);
    expect(types).not.toContain('AWS::CloudFront::Distribution');
    expect(types).not.toContain('AWS::CloudFront::OriginAccessControl');
    // The one deployment is the sample data's upload (no bucket parameters given), not a page.
    expect(demoPageDeployments(synth)).toEqual([]);
    expect(methods(synth.template, 'OPTIONS')).toEqual([]);
    expect(Object.keys(synth.template.toJSON().Outputs as object)).not.toContain('DemoPageUrl');
  });

  it('refuses a demoPage value that is not true or false, naming the key', () => {
    expect(() => synthesize({ context: { demoPage: 'yes' } })).toThrow(
      /Context demoPage must be true or false/,
    );
  });
});

describe('demo page on (-c demoPage=true)', () => {
  let synth: Synthesized;
  let distributionId: string;
  beforeAll(() => {
    synth = synthesize({ context: { demoPage: 'true' } });
    const distributions = Object.keys(synth.template.findResources('AWS::CloudFront::Distribution'));
    expect(distributions).toHaveLength(1);
    distributionId = distributions[0]!;
  });

  it('keeps the page in a private, encrypted, SSL-only bucket that only the distribution reads', () => {
    const buckets = synth.template.findResources('AWS::S3::Bucket') as Record<string, Resource>;
    const [bucketId, bucket] = Object.entries(buckets).find(([id]) => id.startsWith('DemoPageBucket'))!;
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policies = synth.template.findResources('AWS::S3::BucketPolicy', {
      Properties: { Bucket: { Ref: bucketId } },
    }) as Record<string, Resource>;
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (policy.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // Read by CloudFront on behalf of this distribution only (origin access control), never by a public principal.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: expect.objectContaining({
          StringEquals: expect.objectContaining({ 'AWS:SourceArn': expect.anything() }),
        }),
      }),
    );
    expect(JSON.stringify(statements)).not.toContain('"Principal":"*"');
    synth.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
  });

  it('serves the page over HTTPS with index.html at the root, and the API on the same origin under /prod/*', () => {
    const distribution = synth.template.findResources('AWS::CloudFront::Distribution')[
      distributionId
    ] as Resource;
    const config = distribution.Properties?.DistributionConfig as {
      DefaultRootObject: string;
      DefaultCacheBehavior: { ViewerProtocolPolicy: string };
      CacheBehaviors: Array<{ PathPattern: string; AllowedMethods: string[]; ViewerProtocolPolicy: string }>;
      Origins: Array<{
        S3OriginConfig?: unknown;
        OriginAccessControlId?: unknown;
        CustomOriginConfig?: { OriginProtocolPolicy: string };
      }>;
    };
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.Origins.filter((origin) => origin.OriginAccessControlId)).toHaveLength(1);
    expect(config.CacheBehaviors).toEqual([
      expect.objectContaining({ PathPattern: '/prod/*', ViewerProtocolPolicy: 'https-only' }),
    ]);
    expect(config.CacheBehaviors[0]!.AllowedMethods).toEqual(
      expect.arrayContaining(['GET', 'POST', 'DELETE']),
    );
    expect(
      config.Origins.find((origin) => origin.CustomOriginConfig)?.CustomOriginConfig?.OriginProtocolPolicy,
    ).toBe('https-only');
  });

  it("calls the API on the page's own origin: connect-src 'self', no preflight, no Access-Control-* header", () => {
    const deployment = demoPageDeployments(synth)[0]!;
    // The config's ApiUrl (https://<distribution domain>/prod/) is filled in from the distribution's domain.
    const config = JSON.stringify(deployment.Properties?.SourceMarkers);
    expect(config).toContain(`"Fn::GetAtt":["${distributionId}","DomainName"]`);
    const policies = Object.values(
      synth.template.findResources('AWS::CloudFront::ResponseHeadersPolicy') as Record<string, Resource>,
    );
    expect(JSON.stringify(policies)).toContain("connect-src 'self'");
    // A same-origin call needs no CORS: the API answers no preflight and names no other origin.
    expect(methods(synth.template, 'OPTIONS')).toEqual([]);
    expect(JSON.stringify(synth.template.toJSON())).not.toMatch(/Access-Control-Allow/);
    for (const method of methods(synth.template)) expect(method.Properties?.ApiKeyRequired).toBe(true);
  });

  it('deploys the page, its script, the catalogue and a config without the key, and outputs the URL', () => {
    const deployments = demoPageDeployments(synth);
    expect(deployments).toHaveLength(1);
    const deployment = deployments[0]!;
    // Five sources: index.html, style.css, app.js, catalogue.json, demo-config.json.
    expect((deployment.Properties?.SourceObjectKeys as unknown[]).length).toBe(5);
    const markers = JSON.stringify(deployment.Properties?.SourceMarkers ?? []);
    expect(markers).toContain('DomainName');
    expect(markers).not.toMatch(/ApiKey|x-api-key/i);
    synth.template.hasOutput('DemoPageUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] },
    });
  });

  it('passes cdk-nag AwsSolutions with narrow acknowledgements', () => {
    const violations = synth.tree.violations.filter((v) => /^AwsSolutions-/.test(v.ruleName));
    expect(violations.map((v) => `${v.ruleName} ${v.constructPaths.join(', ')}`)).toEqual([]);
  });
});
