// The options now live in aws-framework-cdk; re-exported here for the cold-start bench, which
// builds the chat "as the CDK app deploys it" from this path.
export { lambdaBuildOptions } from 'aws-framework-cdk';
