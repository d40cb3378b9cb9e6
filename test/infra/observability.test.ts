/**
 * What reaches an operator on AWS: every alarm notifies an encrypted SNS topic (and an e-mail address only
 * when one is given), GET /getRecommendations errors raise an alarm, and the dashboard shows the path end to
 * end. Values that protect users are written out here, not read back from the constants that built them.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { resourcesOf, synthesize, type Resource, type Synthesized } from './synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});

const topicRef = () => {
  const [topicId] = Object.keys(synth.template.findResources('AWS::SNS::Topic'));
  return { Ref: topicId };
};

/** The alarm whose description starts with `prefix`. */
function alarmDescribed(template: Template, prefix: string): Resource {
  const alarms = Object.values(resourcesOf(template)).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  const found = alarms.filter((alarm) => {
    const description = JSON.stringify(alarm.Properties?.AlarmDescription ?? '');
    return description.startsWith(JSON.stringify(prefix).slice(0, -1)) || description.includes(prefix);
  });
  if (found.length !== 1) throw new Error(`expected one alarm described "${prefix}", found ${found.length}`);
  return found[0] as Resource;
}

describe('the alarm topic', () => {
  it('is encrypted with a key of its own, rotated, that CloudWatch of this account may use', () => {
    const [topic] = Object.values(synth.template.findResources('AWS::SNS::Topic')) as Resource[];
    const [keyId, ...otherKeys] = Object.keys(synth.template.findResources('AWS::KMS::Key'));
    expect(otherKeys).toEqual([]);
    expect(topic?.Properties?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    synth.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      PendingWindowInDays: 7,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    synth.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  it('refuses publishing without TLS', () => {
    synth.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('has no subscription unless an e-mail address is given', () => {
    synth.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('subscribes the address of context alarmEmail', () => {
    const withEmail = synthesize({ context: { alarmEmail: 'ops@example.com' } });
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('refuses an alarmEmail that is not an address, naming it', () => {
    expect(() => synthesize({ context: { alarmEmail: 'not-an-address' } })).toThrow(/not-an-address/);
  });
});

describe('alarms with actions', () => {
  it('every alarm of the stack notifies the topic when it fires and when it clears', () => {
    const alarms = Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) {
      expect(alarm.Properties?.AlarmActions).toEqual([topicRef()]);
      expect(alarm.Properties?.OKActions).toEqual([topicRef()]);
    }
  });

  it('the consumer lag alarm watches its iterator age: over a minute for five minutes', () => {
    const alarm = alarmDescribed(synth.template, 'The putEvents consumer is more than a minute behind');
    expect(alarm.Properties).toMatchObject({
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Threshold: 60000,
      EvaluationPeriods: 5,
      AlarmActions: [topicRef()],
    });
  });

  it('the GetRecommendations alarm fires at 5 errors (429 or 5xx) in five minutes of this stack', () => {
    const alarm = alarmDescribed(synth.template, 'GET /getRecommendations answered 429');
    expect(alarm.Properties).toMatchObject({
      Namespace: 'NrtRecommendations',
      MetricName: 'GetRecommendationsErrors',
      Dimensions: [{ Name: 'service', Value: 'NearRealTimeRecommendations' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef()],
    });
  });
});

describe('the dashboard', () => {
  let body: string;
  let widgets: Array<{ type: string; properties: { title?: string; metrics?: unknown[] } }>;
  beforeAll(() => {
    const [dashboard] = Object.values(
      synth.template.findResources('AWS::CloudWatch::Dashboard'),
    ) as Resource[];
    // The body is an Fn::Join of strings and references; the strings are enough to read the widgets.
    const parts = (dashboard?.Properties?.DashboardBody as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ][1];
    body = parts.map((part) => (typeof part === 'string' ? part : 'REF')).join('');
    widgets = (JSON.parse(body) as { widgets: typeof widgets }).widgets;
  });

  const titles = () => widgets.map((widget) => widget.properties.title);
  const widgetTitled = (title: string) => {
    const widget = widgets.find((w) => w.properties.title === title);
    if (!widget) throw new Error(`no widget titled ${title}`);
    return JSON.stringify(widget.properties);
  };

  it('shows the path end to end, one widget per figure', () => {
    expect(titles()).toEqual([
      'Requests per route',
      'Latency per route (p99, ms)',
      'GET /getRecommendations in its function',
      'Stream: incoming records',
      'Consumer: iterator age (ms)',
      'Events received, delivered, set aside',
      'Personalize: events per event tracker (PutEventsRequests)',
      'Personalize: events per event type (PutEventsRequests)',
      'Campaigns: requests per second vs provisioned TPS',
      'Alarms',
    ]);
  });

  it('requests and latency for every route of the API, from API Gateway', () => {
    const requests = widgetTitled('Requests per route');
    for (const route of ['/getRecommendations', '/data', '/putEvents', '/campaign', '/deleteResources']) {
      expect(requests).toContain(`"Resource","${route}"`);
    }
    expect(requests).toContain('"AWS/ApiGateway","Count"');
    expect(widgetTitled('Latency per route (p99, ms)')).toContain('"AWS/ApiGateway","Latency"');
  });

  it('the stream, the consumer and the events, from the stack’s own metrics', () => {
    expect(widgetTitled('Stream: incoming records')).toContain('"AWS/Kinesis","IncomingRecords"');
    expect(widgetTitled('Consumer: iterator age (ms)')).toContain('"AWS/Lambda","IteratorAge"');
    const events = widgetTitled('Events received, delivered, set aside');
    for (const name of ['EventsReceived', 'EventsDelivered', 'EventsSetAside', 'RecordsSetAside']) {
      expect(events).toContain(`"NrtRecommendations","${name}","service","NearRealTimeRecommendations"`);
    }
  });

  it('Personalize’s event-tracker metrics and the campaigns’ requests against their provisioned TPS', () => {
    expect(widgetTitled('Personalize: events per event tracker (PutEventsRequests)')).toContain(
      "SEARCH('{AWS/Personalize,EventTrackerArn} MetricName=\\\"PutEventsRequests\\\"', 'Sum', 60)",
    );
    expect(widgetTitled('Personalize: events per event type (PutEventsRequests)')).toContain(
      '{AWS/Personalize,EventTrackerArn,EventType}',
    );
    const campaigns = widgetTitled('Campaigns: requests per second vs provisioned TPS');
    expect(campaigns).toContain('{AWS/Personalize,CampaignArn} MetricName=\\"GetRecommendations\\"');
    expect(campaigns).toContain('"value":1');
    expect(campaigns).toContain('"value":10');
  });
});
