// dicomsentry: command line entry point (being built; see issue "Core pipeline").
int main() { return 0; }
