// The CDK app: `pnpm cdk synth`, `pnpm cdk deploy`, `pnpm cdk destroy` (see cdk.json). Which tokens
// open a connection comes from the context: `-c cognitoUserPoolId=… -c cognitoClientId=…`,
// `-c tokenSecret=…`, `-c tokenSecretParameter=…`, else the SSM parameter
// /aws-framework-chat/token-secret (see ChatStack's `tokens`).
import { App } from 'aws-cdk-lib';
import { ChatStack } from '../lib/ChatStack.js';

const app = new App();
new ChatStack(app, 'AwsFrameworkChat', {
  description: 'aws-framework chat example: API Gateway WebSocket API, Lambda, DynamoDB',
  // Region and account from the CLI's profile (AWS_REGION / AWS_PROFILE); one template for any.
});
