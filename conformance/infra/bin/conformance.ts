// The CDK app: `pnpm cdk deploy`, `pnpm cdk destroy` (see cdk.json and the README's "Conformance suite").
import { App } from 'aws-cdk-lib';
import { ConformanceStack } from '../lib/ConformanceStack.js';

const app = new App();
new ConformanceStack(app, 'AwsFrameworkConformance', {
  description: 'aws-framework conformance suite: two WebSocket APIs and the Lambda the suite expects',
  // Region and account from the CLI's profile (AWS_REGION / AWS_PROFILE); one template for any.
});
